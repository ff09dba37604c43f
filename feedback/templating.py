"""Jinja set-up: our templates first, then GOV.UK Frontend's macros under their prefixes."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from feedback.security import CHARTJS_CDN_HOST, csp_nonce


def init_templating(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    # GOV.UK Frontend's macros test optional parameters by reading missing keys
    # (``params.classes``), so StrictUndefined cannot be used; the page-checking test
    # client catches what it would have (a missing title, an empty heading).
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    chartjs = chartjs_tag(Path(app.static_folder), app.config["CHARTJS_SOURCE"])

    from feedback.staff.nav import staff_nav

    app.add_template_global(staff_nav)
    # A global, not only context: ``chart_scripts()`` is imported without context.
    app.add_template_global(chartjs, "chartjs")

    @app.context_processor
    def _globals():
        return {
            "cspNonce": csp_nonce(),
            "service_name": app.config["SERVICE_NAME"],
            "local_area": app.config["LOCAL_AREA"],
            "chartjs": chartjs,
        }


def chartjs_tag(static: Path, source: str) -> dict[str, str | None]:
    """Where to load Chart.js from: the pinned CDN file with its SRI hash, or our copy."""
    version = (static / "vendor" / "CHARTJS_VERSION").read_text().strip()
    if source == "cdn":
        return {
            "src": f"{CHARTJS_CDN_HOST}/npm/chart.js@{version}/dist/chart.umd.min.js",
            "integrity": (static / "vendor" / "chartjs.sri").read_text().strip(),
        }
    if source != "local":
        raise ValueError(f"CHARTJS_SOURCE must be 'cdn' or 'local', not {source!r}")
    return {"src": "/static/vendor/chart.umd.min.js", "integrity": None}
