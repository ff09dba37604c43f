"""Creating, changing, opening and closing survey waves.

A wave's public link is its ``code``, printed on letters and shared by the
forum, so it can change only before the wave opens; so can its survey version
and start. Once open, the close date can still move (a deadline extended) and
the wording of the note and name can be corrected. A closed wave keeps its
dates: they decide which returns were late.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.models import SurveyVersion, VersionStatus, Wave, WaveKind, WaveStatus
from feedback.models.surveys import LateRule
from feedback.models.types import DomainError
from feedback.services.audit import record

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,79}$")

#: Which fields may change in each state (see the module docstring for why).
EDITABLE = {
    WaveStatus.SCHEDULED: frozenset(
        {
            "version",
            "name",
            "code",
            "kind",
            "opens_at",
            "closes_at",
            "population_note",
            "late_rule",
        }
    ),
    WaveStatus.OPEN: frozenset({"name", "kind", "closes_at", "population_note", "late_rule"}),
    WaveStatus.CLOSED: frozenset({"name", "population_note"}),
}

FIELD_WORDS = {
    "version": "survey version",
    "name": "name",
    "code": "link code",
    "kind": "kind",
    "opens_at": "open date",
    "closes_at": "close date",
    "population_note": "population note",
    "late_rule": "late-return rule",
}


class WaveError(DomainError):
    """A wave change that cannot be made; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass
class WaveDetails:
    """What an officer sets on a wave; the form fills one of these."""

    version: SurveyVersion
    name: str
    code: str
    kind: WaveKind
    opens_at: datetime
    closes_at: datetime
    population_note: str
    late_rule: LateRule


def _check(session: Session, details: WaveDetails, wave: Wave | None) -> None:
    if details.version.status is not VersionStatus.APPROVED and (
        wave is None or details.version is not wave.version
    ):
        raise WaveError("version", "Select an approved survey version")
    if not CODE_PATTERN.match(details.code):
        raise WaveError(
            "code",
            "Link code must be 3 to 80 lower-case letters, numbers and hyphens, "
            "starting with a letter or number",
        )
    taken = session.scalar(
        select(func.count(Wave.id)).where(
            Wave.code == details.code, Wave.id != (wave.id if wave else -1)
        )
    )
    if taken:
        raise WaveError("code", "That link code is already used by another wave")
    if details.closes_at <= details.opens_at:
        raise WaveError("closes_at", "The close date must be after the open date")


def create_wave(session: Session, details: WaveDetails, *, by) -> Wave:
    """Schedule a new wave of an approved version.

    :raise WaveError: naming the field at fault.
    """
    _check(session, details, None)
    wave = Wave(
        version=details.version,
        name=details.name,
        code=details.code,
        kind=details.kind,
        opens_at=details.opens_at,
        closes_at=details.closes_at,
        population_note=details.population_note,
        late_rule=details.late_rule,
        status=WaveStatus.SCHEDULED,
    )
    session.add(wave)
    session.flush()
    record(
        session,
        "wave.create",
        user=by,
        target=f"wave:{wave.id}",
        detail={"code": wave.code, "version": wave.survey_version_id},
    )
    session.commit()
    return wave


def update_wave(session: Session, wave: Wave, details: WaveDetails, *, by) -> list[str]:
    """Apply the changed fields of ``details`` to ``wave``; returns their names.

    :raise WaveError: when a field may not change in the wave's state, or is invalid.
    """
    changed = [
        name
        for name in EDITABLE[WaveStatus.SCHEDULED]
        if getattr(details, name) != getattr(wave, name)
    ]
    locked = [name for name in changed if name not in EDITABLE[wave.status]]
    if locked:
        names = " or ".join(FIELD_WORDS[name] for name in sorted(locked))
        raise WaveError(locked[0], f"The wave is {wave.status.value}, so its {names} cannot change")
    _check(session, details, wave)
    for name in changed:
        setattr(wave, name, getattr(details, name))
    if changed:
        record(session, "wave.edit", user=by, target=f"wave:{wave.id}", detail={"changed": changed})
        session.commit()
    return changed


def open_wave(session: Session, wave: Wave, *, by) -> None:
    """Open the wave; its link takes answers from its open date.

    :raise DomainError: unless it is scheduled and its version approved.
    """
    wave.open()
    record(session, "wave.open", user=by, target=f"wave:{wave.id}", detail={"code": wave.code})
    session.commit()


def close_wave(session: Session, wave: Wave, *, by) -> None:
    """Close the wave now; later returns are late.

    :raise DomainError: unless it is open.
    """
    wave.close()
    record(session, "wave.close", user=by, target=f"wave:{wave.id}", detail={"code": wave.code})
    session.commit()
