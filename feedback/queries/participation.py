"""Live participation in a wave: responses per day, and who is answering.

Counts come from one ``GROUP BY`` each. Daily totals are shown as they are:
they say how many answered, not who. The breakdowns by respondent type, EHCP
status and channel describe people, so they go through
:func:`analysis.suppression.suppress_table` (counts of 1 to 4 hidden, with
secondary suppression so a hidden count cannot be worked out from the total),
and are not shown at all until the wave has ``MIN_BASE`` responses: with fewer,
the published total itself would give small groups away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.suppression import MIN_BASE, SUPPRESSED, suppress_table
from feedback import clock
from feedback.models import Channel, Response, Wave
from surveys.kpis import PARENT_CARER, YOUNG_PERSON
from surveys.schema import SurveyDefinition

NOT_ANSWERED = "Not answered"
_RESPONDENT_LABELS = {PARENT_CARER: "Parents and carers", YOUNG_PERSON: "Young people"}
_CHANNEL_LABELS = {
    Channel.ONLINE: "Online",
    Channel.PAPER: "Paper",
    Channel.PHONE: "Phone",
    Channel.EVENT: "At an event",
}


@dataclass(frozen=True)
class Breakdown:
    """One characteristic's counts after suppression; hidden counts are ``"c"``."""

    key: str
    title: str
    caption: str
    rows: list[tuple[str, int | str]]
    total: int | str

    @property
    def suppressed(self) -> bool:
        return any(count == SUPPRESSED for _, count in self.rows)


@dataclass(frozen=True)
class Participation:
    wave: Wave
    total: int
    #: (day, responses that day), every day from the first to the last shown.
    per_day: list[tuple[date, int]]
    #: Empty while the wave has fewer than ``min_base`` responses.
    breakdowns: list[Breakdown] = field(default_factory=list)
    min_base: int = MIN_BASE

    @property
    def breakdowns_withheld(self) -> bool:
        return 0 < self.total < self.min_base


def responses_per_day(session: Session, wave_id: int) -> dict[date, int]:
    """Responses by the day they were received (paper returns: the day on the envelope)."""
    rows = session.execute(
        select(Response.received_on, func.count(Response.id))
        .where(Response.wave_id == wave_id, Response.received_on.is_not(None))
        .group_by(Response.received_on)
    )
    return {day: count for day, count in rows}


def counts_by(session: Session, wave_id: int, column) -> dict[object, int]:
    """Responses by the value of one response column (``None`` for no answer)."""
    rows = session.execute(
        select(column, func.count(Response.id)).where(Response.wave_id == wave_id).group_by(column)
    )
    return {key: count for key, count in rows}


def _days(wave: Wave, counts: dict[date, int]) -> list[tuple[date, int]]:
    today = clock.now().date()
    last_day = today
    if wave.closes_at is not None:
        last_day = min(today, (wave.closes_at - timedelta(microseconds=1)).date())
    start = min([wave.opens_at.date(), *counts])
    end = max([last_day, *counts]) if counts else last_day
    if end < start:
        return []
    return [
        (start + timedelta(d), counts.get(start + timedelta(d), 0))
        for d in range((end - start).days + 1)
    ]


def _segment_labels(definition: SurveyDefinition, segment: str) -> dict[str, str]:
    question = next((q for q in definition.questions if q.segment == segment), None)
    if question is None:
        return {}
    return {(o.maps_to or o.code): o.label for o in question.options}


def _respondent_labels(definition: SurveyDefinition) -> dict[str, str]:
    if definition.respondent_type:
        return {definition.respondent_type: _RESPONDENT_LABELS[definition.respondent_type]}
    values = _segment_labels(definition, "respondent_type")
    return {v: _RESPONDENT_LABELS.get(v, v) for v in values}


def _breakdown(key: str, title: str, caption: str, labels: dict, counts: dict) -> Breakdown:
    """Suppress one characteristic's counts; every known category shows, zeros included."""
    rows = [(label, counts.get(value, 0)) for value, label in labels.items()]
    rows += [
        (NOT_ANSWERED if value is None else str(value), n)
        for value, n in counts.items()
        if value not in labels
    ]
    table = suppress_table([[n] for _, n in rows])
    shown = [(label, cells[0]) for (label, _), cells in zip(rows, table.cells, strict=True)]
    return Breakdown(key, title, caption, shown, table.grand_total)


def participation(session: Session, wave: Wave, *, min_base: int = MIN_BASE) -> Participation:
    """Everything the participation monitor shows for ``wave``, suppressed where needed."""
    per_day = responses_per_day(session, wave.id)
    total = session.scalar(select(func.count(Response.id)).where(Response.wave_id == wave.id))
    if total < min_base:
        return Participation(wave, total, _days(wave, per_day), [], min_base)
    definition = wave.definition
    breakdowns = [
        _breakdown(
            "respondent-type",
            "Respondent type",
            "Responses by respondent type",
            _respondent_labels(definition),
            counts_by(session, wave.id, Response.respondent_type),
        ),
        _breakdown(
            "ehcp-status",
            "EHCP status",
            "Responses by EHCP status",
            _segment_labels(definition, "ehcp_status"),
            counts_by(session, wave.id, Response.ehcp_status),
        ),
        _breakdown(
            "channel",
            "How they answered",
            "Responses by how people answered: online, paper, phone or at an event",
            _CHANNEL_LABELS,
            counts_by(session, wave.id, Response.channel),
        ),
    ]
    return Participation(wave, total, _days(wave, per_day), breakdowns, min_base)
