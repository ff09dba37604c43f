"""Meta-tests that guard conventions across every route."""

from __future__ import annotations

from feedback.permissions import ALL_PERMISSIONS, declared_permission

STAFF_BLUEPRINTS = ("staff", "manage", "forum")
PUBLIC_BLUEPRINTS = ("public", "respond", "auth", "static")


def test_every_staff_route_declares_a_known_permission(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0] if "." in rule.endpoint else rule.endpoint
        if blueprint in STAFF_BLUEPRINTS:
            permission = declared_permission(app.view_functions[rule.endpoint])
            if permission not in ALL_PERMISSIONS:
                undeclared.append(rule.rule)
    assert not undeclared, f"staff routes without a permission: {undeclared}"


def test_every_route_belongs_to_a_known_blueprint(app):
    unknown = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] not in STAFF_BLUEPRINTS + PUBLIC_BLUEPRINTS
    ]
    assert not unknown, f"routes outside the known blueprints: {unknown}"


def test_every_template_extends_the_base(app):
    from pathlib import Path

    root = Path(app.template_folder)
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if path.name == "base.html" or path.parent.name == "components":
            continue
        assert '{% extends "' in text, f"{path.relative_to(root)} does not extend a base template"
