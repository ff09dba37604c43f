""" "You said, we did": record, change, publish and comment on actions.

Every change goes through here so that it adds a dated history row and an
audit event in the same commit; an edit made any other way would leave the
history the board relies on incomplete.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from analysis.comments.codebook import default_codebook
from feedback import clock
from feedback.models.actions import (
    Action,
    ActionComment,
    ActionStatus,
    ActionUpdate,
    SubjectKind,
)
from feedback.services.audit import record
from surveys.kpis import KPIS

#: Fields an officer edits; the history names the ones each update changed.
EDITABLE = ("subject", "you_said", "we_did", "owner", "due_on", "status")
MAX_COMMENT = 2000


class ActionError(ValueError):
    """An action change that cannot be made, with a message for the person."""


def subject_choices() -> list[tuple[str, str]]:
    """What an action can answer: each KPI, then each active comment theme, as (value, label)."""
    kpis = [(f"kpi:{code}", f"KPI {code}: {kpi.short}") for code, kpi in KPIS.items()]
    themes = [(f"theme:{t.key}", f"Theme: {t.label}") for t in default_codebook().active]
    return kpis + themes


def subject_label(kind: SubjectKind, key: str) -> str:
    """Plain words for an action's subject; an unknown key (a retired theme) shows as itself."""
    if kind is SubjectKind.KPI:
        kpi = KPIS.get(key)
        return f"{kpi.short} (KPI {key})" if kpi else f"KPI {key}"
    try:
        return default_codebook().theme(key).label
    except ValueError:
        return key.replace("_", " ").capitalize()


def parse_subject(value: str) -> tuple[SubjectKind, str]:
    """Split ``"kpi:4/1"`` or ``"theme:waiting_times"``.

    :raise ActionError: for anything that is not one of :func:`subject_choices`.
    """
    if value not in dict(subject_choices()):
        raise ActionError("Select the theme or KPI this action answers")
    kind, _, key = value.partition(":")
    return SubjectKind(kind), key


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _label(user) -> str:
    return getattr(user, "label", None) or getattr(user, "email", None) or "system"


def _history(session: Session, action: Action, old, changed: list[str], note: str, by) -> None:
    session.add(
        ActionUpdate(
            action=action,
            user_id=getattr(by, "id", None),
            actor=_label(by),
            old_status=old,
            new_status=action.status,
            changed=changed,
            note=_clean(note),
        )
    )


def create_action(
    session: Session,
    *,
    subject: str,
    you_said: str,
    we_did: str,
    owner: str,
    status: ActionStatus | str,
    due_on: date | None = None,
    note: str = "",
    by=None,
) -> Action:
    """Record a new, unpublished action with its first history row.

    :raise ActionError: for an unknown subject or status, or empty text.
    """
    kind, key = parse_subject(subject)
    action = Action(subject_kind=kind, subject_key=key, published=False)
    _apply(action, you_said=you_said, we_did=we_did, owner=owner, status=status, due_on=due_on)
    now = clock.now()
    action.created_at = action.updated_at = now
    session.add(action)
    _history(session, action, None, ["created"], note, by)
    session.flush()
    record(session, "action.create", user=by, target=f"action:{action.id}")
    session.commit()
    return action


def _apply(action: Action, **values) -> None:
    for name in ("you_said", "we_did", "owner"):
        text = _clean(values[name])
        if not text:
            raise ActionError(f"Enter {_FIELD_WORDS[name]}")
        setattr(action, name, text)
    try:
        status = values["status"]
        action.status = status if isinstance(status, ActionStatus) else ActionStatus(status)
    except ValueError:
        raise ActionError("Select a status") from None
    action.due_on = values["due_on"]


_FIELD_WORDS = {
    "you_said": "what we heard",
    "we_did": "what we will do or did",
    "owner": "who owns this action",
}


def update_action(
    session: Session,
    action: Action,
    *,
    subject: str,
    you_said: str,
    we_did: str,
    owner: str,
    status: ActionStatus | str,
    due_on: date | None = None,
    note: str = "",
    by=None,
) -> ActionUpdate:
    """Change an action and add a history row saying what changed, from which status to which.

    A progress note with no other change is allowed: it is how officers log work.

    :raise ActionError: for bad values, or when nothing changed and there is no note.
    """
    before = {name: _value(action, name) for name in EDITABLE}
    old_status = action.status
    kind, key = parse_subject(subject)
    action.subject_kind, action.subject_key = kind, key
    _apply(action, you_said=you_said, we_did=we_did, owner=owner, status=status, due_on=due_on)
    changed = [name for name in EDITABLE if _value(action, name) != before[name]]
    if not changed and not _clean(note):
        raise ActionError("Change something or enter a note about progress")
    action.updated_at = clock.now()
    _history(session, action, old_status, changed, note, by)
    record(
        session,
        "action.update",
        user=by,
        target=f"action:{action.id}",
        detail={"changed": changed, "from": old_status.value, "to": action.status.value},
    )
    session.commit()
    return action.updates[-1]


def _value(action: Action, name: str):
    if name == "subject":
        return action.subject
    return getattr(action, name)


def set_published(session: Session, action: Action, published: bool, *, by=None) -> Action:
    """Show the action on the public page, or take it down; either way it goes in the history."""
    if action.published == published:
        return action
    action.published = published
    action.published_at = clock.now() if published else None
    action.updated_at = clock.now()
    _history(session, action, action.status, ["published" if published else "unpublished"], "", by)
    verb = "publish" if published else "unpublish"
    record(session, f"action.{verb}", user=by, target=f"action:{action.id}")
    session.commit()
    return action


def add_comment(session: Session, action: Action, body: str, *, by=None) -> ActionComment:
    """Add a forum member's comment.

    :raise ActionError: for an empty or over-long comment.
    """
    body = _clean(body)
    if not body:
        raise ActionError("Enter your comment")
    if len(body) > MAX_COMMENT:
        raise ActionError(f"Comment must be {MAX_COMMENT} characters or fewer")
    comment = ActionComment(
        action=action, user_id=getattr(by, "id", None), author=_label(by), body=body
    )
    session.add(comment)
    session.flush()
    record(session, "action.comment", user=by, target=f"action:{action.id}")
    session.commit()
    return comment
