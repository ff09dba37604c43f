"""Loading co-produced definitions into the database and opening demo waves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback import clock
from feedback.models import Survey, SurveyVersion, VersionStatus, Wave, WaveKind, WaveStatus
from surveys.loader import to_dict
from surveys.schema import SurveyDefinition

#: How a wave made for a demo is named (feedback.services.demo relies on it).
DEMO_PREFIX = "Demo: "


def load_definitions(session: Session, definitions: dict[str, SurveyDefinition]) -> list[str]:
    """Store each definition as an approved version, once; returns what changed.

    Files under ``surveys/definitions`` are the wording the forum signed off, so
    they arrive approved. A file whose wording differs from the latest stored
    version becomes a new version; the old one keeps its waves and results.
    """
    changes: list[str] = []
    for slug, definition in definitions.items():
        survey = session.scalars(select(Survey).where(Survey.slug == slug)).first()
        if survey is None:
            survey = Survey(slug=slug, title=definition.title)
            session.add(survey)
            session.flush()
        data = to_dict(definition)
        data.pop("source", None)
        latest = survey.latest
        # Compare with what is sent out, not with a draft an officer is editing.
        current = survey.latest_approved or latest
        if current is not None and _same(current.definition_json, data):
            continue
        number = (latest.version + 1) if latest else 1
        data["version"] = number
        session.add(
            SurveyVersion(
                survey=survey,
                version=number,
                definition_json=data,
                status=VersionStatus.APPROVED,
                approved_at=clock.now(),
                approved_by=f"co-produced definition file {definition.source or slug}",
            )
        )
        survey.title = definition.title
        changes.append(f"{slug} v{number}")
    session.commit()
    return changes


def _same(stored: dict, new: dict) -> bool:
    a = {k: v for k, v in stored.items() if k not in ("version", "source")}
    b = {k: v for k, v in new.items() if k not in ("version", "source")}
    return a == b


def _free_code(session: Session, base: str) -> str:
    taken = set(session.scalars(select(Wave.code).where(Wave.code.startswith(base))))
    n = 1
    code = base
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


_KINDS = {"kpi-pulse": WaveKind.PULSE}


def open_demo_waves(session: Session, *, days: int = 90) -> list[Wave]:
    """Make sure every survey has an open wave, so a newcomer can answer at once."""
    now = clock.now()
    waves: list[Wave] = []
    for survey in session.scalars(select(Survey).order_by(Survey.slug)):
        version = survey.latest_approved
        if version is None:
            continue
        existing = next(
            (
                w
                for v in survey.versions
                for w in v.waves
                if w.status is WaveStatus.OPEN and w.accepting(now)
            ),
            None,
        )
        if existing:
            waves.append(existing)
            continue
        wave = Wave(
            code=_free_code(session, f"{survey.slug}-demo"),
            name=f"{DEMO_PREFIX}{survey.title} ({now:%B %Y})",
            version=version,
            kind=_KINDS.get(survey.slug, WaveKind.ANNUAL),
            status=WaveStatus.SCHEDULED,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=days),
            population_note=version.definition.population,
        )
        session.add(wave)
        wave.open()
        waves.append(wave)
    session.commit()
    return waves
