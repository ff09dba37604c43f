"""The co-production workflow of a survey version: draft, forum review, approval, retirement.

Each function is one officer's or forum member's action: it checks, changes the
database, writes an audit row and commits once. The rules themselves live on
the models (:meth:`SurveyVersion.move_to`, :meth:`SurveyVersion.replace_definition`,
:func:`feedback.models.reviews.approval_problem`), so a CLI or an import
cannot take a short cut round them.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from feedback.models import Response, Survey, SurveyVersion, VersionStatus, Wave
from feedback.models.reviews import GENERAL, ReviewComment, SignOff, SignOffDecision
from feedback.models.types import DomainError
from feedback.services.audit import record
from surveys.loader import DefinitionError

MAX_COMMENT_LENGTH = 2000
_IN_PROGRESS = (VersionStatus.DRAFT, VersionStatus.FORUM_REVIEW)


def has_responses(session: Session, version: SurveyVersion) -> bool:
    """Whether anyone has answered any wave of ``version`` (its wording is then frozen)."""
    return session.scalar(
        select(exists().where(Response.wave_id == Wave.id, Wave.survey_version_id == version.id))
    )


#: Field order in the editor, as the definition files are written (surveys/SCHEMA.md).
#: PostgreSQL's JSONB does not keep the order keys were stored in.
_KEY_ORDER = [
    "schema", "slug", "version", "title", "audience", "population", "respondent_type",
    "easy_read", "summary", "time_to_complete", "intro", "privacy", "sections",
    "id", "type", "segment", "kpi", "required", "icon", "text", "hint", "options",
    "positive", "excluded", "comment", "max_length", "equality", "questions",
    "code", "label", "maps_to", "exclusive", "name", "alt",
]  # fmt: skip


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        rank = {k: i for i, k in enumerate(_KEY_ORDER)}
        keys = sorted(value, key=lambda k: (rank.get(k, len(rank)), k))
        return {k: _ordered(value[k]) for k in keys}
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def definition_as_text(version: SurveyVersion) -> str:
    """The stored definition as YAML in the usual field order, for the editor."""
    return yaml.safe_dump(
        _ordered(version.definition_json), sort_keys=False, allow_unicode=True, width=100
    )


def definition_from_text(text: str, source: str) -> dict[str, Any]:
    """Read a definition typed as YAML or JSON (JSON is YAML too).

    :raise DefinitionError: when the text is not YAML or not a mapping.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise DefinitionError(source, [f"{where}not valid YAML or JSON"]) from exc
    if not isinstance(data, dict):
        raise DefinitionError(source, ["the definition must be a mapping of fields"])
    return data


def new_draft(session: Session, survey: Survey, *, by) -> SurveyVersion:
    """Start the next version of ``survey`` as a copy of its latest wording.

    :raise DomainError: when a draft or a version in review already exists;
        two drafts of one survey would split the forum's comments.
    """
    in_progress = [v for v in survey.versions if v.status in _IN_PROGRESS]
    if in_progress:
        v = in_progress[0]
        raise DomainError(
            f"Version {v.version} of this survey is already a {_status_words(v)}: "
            "finish or withdraw it first"
        )
    latest = survey.latest
    if latest is None:
        raise DomainError("This survey has no version to copy")
    number = latest.version + 1
    data = copy.deepcopy(latest.definition_json)
    data["version"] = number
    version = SurveyVersion(
        survey=survey, version=number, definition_json=data, status=VersionStatus.DRAFT
    )
    session.add(version)
    session.flush()
    record(
        session,
        "survey.version.create",
        user=by,
        target=f"survey_version:{version.id}",
        detail={"survey": survey.slug, "version": number, "copied_from": latest.version},
    )
    session.commit()
    return version


def edit_definition(session: Session, version: SurveyVersion, text: str, *, by) -> None:
    """Replace a draft's wording with ``text`` (YAML or JSON).

    :raise DomainError: when the wording is frozen or the version is not a draft.
    :raise DefinitionError: listing every problem with its field path.
    """
    frozen = has_responses(session, version)
    version.check_editable(has_responses=frozen)
    data = definition_from_text(text, f"{version.survey.slug} v{version.version}")
    version.replace_definition(data, has_responses=frozen)
    record(
        session,
        "survey.version.edit",
        user=by,
        target=f"survey_version:{version.id}",
        detail={"survey": version.survey.slug, "version": version.version},
    )
    session.commit()


_ACTIONS = {
    "review": (VersionStatus.FORUM_REVIEW, "survey.version.review"),
    "withdraw": (VersionStatus.DRAFT, "survey.version.withdraw"),
    "approve": (VersionStatus.APPROVED, "survey.version.approve"),
    "retire": (VersionStatus.RETIRED, "survey.version.retire"),
}


def move(session: Session, version: SurveyVersion, action: str, *, by) -> None:
    """Send to forum review, withdraw to draft, approve or retire ``version``.

    Approval records who (``by.label``) and when.

    :raise DomainError: for an unknown action or a move the workflow refuses.
    """
    if action not in _ACTIONS:
        raise DomainError(f"Unknown action {action!r}")
    status, audit_action = _ACTIONS[action]
    before = version.status
    version.move_to(status, by=getattr(by, "label", None))
    record(
        session,
        audit_action,
        user=by,
        target=f"survey_version:{version.id}",
        detail={
            "survey": version.survey.slug,
            "version": version.version,
            "from": before.value,
            "to": status.value,
        },
    )
    session.commit()


def _require_review(version: SurveyVersion) -> None:
    if version.status is not VersionStatus.FORUM_REVIEW:
        raise DomainError(
            f"Version {version.version} is not in forum review, so it cannot take comments "
            "or sign-offs"
        )


def add_comment(
    session: Session, version: SurveyVersion, question_id: str, body: str, *, by
) -> ReviewComment:
    """Add a forum member's comment on one question (or ``GENERAL`` for the whole survey).

    :raise DomainError: when the version is not in review, the question is
        unknown or the comment is empty or too long.
    """
    _require_review(version)
    body = (body or "").strip()
    if question_id != GENERAL and version.definition.question(question_id) is None:
        raise DomainError(f"There is no question {question_id!r} in this version")
    if not body:
        raise DomainError("Enter a comment")
    if len(body) > MAX_COMMENT_LENGTH:
        raise DomainError(f"Comment must be {MAX_COMMENT_LENGTH} characters or fewer")
    comment = ReviewComment(
        version=version, question_id=question_id, user_id=by.id, author=by.label, body=body
    )
    session.add(comment)
    session.flush()
    record(
        session,
        "survey.review.comment",
        user=by,
        target=f"survey_version:{version.id}",
        detail={"question": question_id, "comment": comment.id},
    )
    session.commit()
    return comment


def sign_off(
    session: Session, version: SurveyVersion, decision: SignOffDecision | str, note: str, *, by
) -> SignOff:
    """Record a forum member's verdict; it replaces their earlier one.

    :raise DomainError: when the version is not in review, or changes are asked
        for without saying which.
    """
    _require_review(version)
    decision = SignOffDecision(decision)
    note = (note or "").strip()
    if decision is SignOffDecision.CHANGES_NEEDED and not note:
        raise DomainError("Enter what needs to change")
    if len(note) > MAX_COMMENT_LENGTH:
        raise DomainError(f"Note must be {MAX_COMMENT_LENGTH} characters or fewer")
    entry = SignOff(version=version, user_id=by.id, author=by.label, decision=decision, note=note)
    session.add(entry)
    session.flush()
    record(
        session,
        "survey.review.sign_off",
        user=by,
        target=f"survey_version:{version.id}",
        detail={"decision": decision.value, "sign_off": entry.id},
    )
    session.commit()
    return entry


def _status_words(version: SurveyVersion) -> str:
    return {"draft": "draft", "forum_review": "version in forum review"}.get(
        version.status.value, version.status.value
    )
