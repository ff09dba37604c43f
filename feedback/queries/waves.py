"""Finding waves for the public pages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.orm import Session, joinedload

from feedback import cache, clock
from feedback.models import Survey, SurveyVersion, Wave, WaveStatus
from feedback.models.surveys import LateRule, WaveWindow
from surveys.loader import parse_definition_text
from surveys.schema import SurveyDefinition


@dataclass(frozen=True)
class PublicWave(WaveWindow):
    """What a respondent page needs of a wave: its window, names, late rule and definition.

    Every respondent request looks its wave up. Loading the ORM wave with its
    version and survey, and decoding the definition's JSON, took about 0.8 ms of
    a 2.7 ms question page; this snapshot comes from one row of plain columns,
    and the definition, read as JSON text, is parsed once per distinct text
    (:func:`surveys.loader.parse_definition_text`), so a changed definition is
    never served from an old parse.
    """

    id: int
    code: str
    name: str
    status: WaveStatus
    opens_at: datetime
    closes_at: datetime | None
    late_rule: LateRule
    definition: SurveyDefinition
    #: Differs whenever the wording differs: pages drawn from the definition are kept under it.
    wording: tuple[str, int, int]


_WAVE = Wave.__table__.c
_VERSION = SurveyVersion.__table__.c
_SURVEY = Survey.__table__.c

#: Built once: constructing the statement cost as much as running it.
_PUBLIC_WAVE = (
    select(
        _WAVE.id,
        _WAVE.code,
        _WAVE.name,
        _WAVE.status,
        _WAVE.opens_at,
        _WAVE.closes_at,
        _WAVE.late_rule,
        _SURVEY.slug,
        _VERSION.version,
        cast(_VERSION.definition, Text),
    )
    .join_from(Wave.__table__, SurveyVersion.__table__, _VERSION.id == _WAVE.survey_version_id)
    .join(Survey.__table__, _SURVEY.id == _VERSION.survey_id)
    .where(_WAVE.code == bindparam("code"))
)


def public_wave(session: Session, code: str) -> PublicWave | None:
    """The wave behind a public link, or None for an unknown code."""
    row = session.connection().execute(_PUBLIC_WAVE, {"code": code}).first()
    if row is None:
        return None
    *fields, slug, version, text = row
    return PublicWave(
        *fields,
        definition=parse_definition_text(text, f"{slug} v{version}"),
        wording=(slug, version, hash(text)),
    )


#: Codes each process remembers; more (a flood of made-up links) and it starts again.
MAX_SNAPSHOTS = 1024


class WaveSnapshots:
    """Public waves by code, each read again after ``seconds`` or a change committed here.

    Every respondent request needs its wave; reading it was one of the two
    queries of a question page (the other finds the draft). A wave's status,
    dates and wording change a few times a year, so each process keeps what it
    read for ``seconds`` (:data:`~feedback.config.Config.WAVE_REFRESH_SECONDS`).
    Whether the wave is open is still worked out on every request from the
    kept opening and closing times, so a wave closes on the second it is due
    to. A change committed in this process (an officer closing a wave, a new
    wording) is read at once (:func:`feedback.cache.hard_commits`); the app's
    other processes see it within ``seconds``. Unknown codes are kept too, so a
    flood of made-up links costs one query a code a second at most.
    """

    def __init__(self, seconds: float, max_codes: int = MAX_SNAPSHOTS) -> None:
        self.seconds = seconds
        self.max_codes = max_codes
        self._kept: dict[str, tuple[float, int, PublicWave | None]] = {}

    def get(self, session: Session, code: str) -> PublicWave | None:
        """The wave behind ``code`` as read at most ``seconds`` ago, or None when unknown."""
        if self.seconds <= 0:
            return public_wave(session, code)
        now, changes = time.monotonic(), cache.hard_commits()
        kept = self._kept.get(code)
        if kept is not None and kept[0] > now and kept[1] == changes:
            return kept[2]
        wave = public_wave(session, code)
        if len(self._kept) >= self.max_codes:
            self._kept = {}
        self._kept[code] = (now + self.seconds, changes, wave)
        return wave

    def __len__(self) -> int:
        return len(self._kept)


def open_waves(session: Session) -> list[Wave]:
    """Waves taking answers now, newest first."""
    now = clock.now()
    waves = session.scalars(
        select(Wave)
        .options(joinedload(Wave.version).joinedload(SurveyVersion.survey))
        .where(Wave.status == WaveStatus.OPEN, Wave.opens_at <= now)
        .order_by(Wave.opens_at.desc())
    ).all()
    return [w for w in waves if w.accepting(now)]
