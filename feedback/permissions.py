"""Roles and what each may do. Every staff route declares one permission.

Forum members co-produce and review but never see raw personal data; board
members only read results. A route without a declared permission is refused
(and a meta-test fails), so a new page cannot be left open by accident.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Role(enum.Enum):
    ADMIN = "admin"
    OFFICER = "officer"
    FORUM = "forum"
    BOARD = "board"


RESULTS_VIEW = "results.view"

_BOARD = {RESULTS_VIEW, "comments.redacted"}
_FORUM = _BOARD | {
    "surveys.review",
    "comments.code",
    "codebook.edit",
    "actions.comment",
    "exports.aggregate",
}
_OFFICER = _FORUM | {
    "surveys.manage",
    "waves.manage",
    "responses.enter",
    "responses.import",
    "responses.export",
    "responses.erase",
    "comments.raw",
    "kpis.manage",
    "actions.manage",
}
_ADMIN = _OFFICER | {"users.manage", "audit.view"}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(_ADMIN),
    Role.OFFICER: frozenset(_OFFICER),
    Role.FORUM: frozenset(_FORUM),
    Role.BOARD: frozenset(_BOARD),
}
ALL_PERMISSIONS = frozenset(_ADMIN)


def permission_required(permission: str) -> Callable[[F], F]:
    """Declare the permission a staff view needs; the blueprint guard enforces it."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def declared_permission(view: Callable[..., Any]) -> str | None:
    return getattr(view, "permission", None)
