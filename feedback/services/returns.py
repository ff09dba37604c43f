"""Paper, phone and event returns keyed by officers, and their late-return decisions.

A keyed return goes through the same validation and :func:`build_response` as
an online answer, so it is counted the same way. What differs is recorded on
the response: the channel, the date it was received, who keyed it, and whether
it was late and is included.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from feedback.models import Channel, Response, Wave, WaveStatus
from feedback.models.types import DomainError
from feedback.services.audit import record
from feedback.services.comments import code_after_store
from feedback.services.responses import build_response
from surveys.schema import SurveyDefinition
from surveys.validation import AnswerValue, ResponseErrors, validate_response

#: Wave states that take keyed returns. A scheduled wave has never opened, so a
#: return "for" it is a mistake (most likely the wrong wave chosen). A closed wave
#: still takes late postal returns: the wave's late-return rule decides whether
#: they count. Waves have no archived or withdrawn state; a new one is refused
#: until it is added here.
KEYABLE_STATES = frozenset({WaveStatus.OPEN, WaveStatus.CLOSED})

NOT_OPEN_YET = "You cannot enter a return for a wave that has not opened yet"


def takes_returns(wave: Wave, at: datetime | None = None) -> bool:
    """Whether officers may key returns for ``wave``: it has opened (and may have closed).

    A wave marked open whose open date is still ahead has not opened either.
    """
    return wave.status in KEYABLE_STATES and not wave.not_yet_open(at)


def check_takes_returns(
    wave: Wave, at: datetime | None = None, *, message: str = NOT_OPEN_YET
) -> None:
    """:raise DomainError: with ``message`` when ``wave`` has not opened yet.

    The rule is :func:`takes_returns`; ``message`` lets another way in (the CSV
    import) say what was refused in its own words.
    """
    if not takes_returns(wave, at):
        raise DomainError(message)


def received_too_early(wave: Wave, received_on: date | None) -> str | None:
    """Why ``received_on`` cannot be a return's date for ``wave``, or ``None`` if it can.

    Nothing can have been received for a wave before the day it opened: such a
    date is a keying slip or a return for another wave. The day counts, not the
    hour, as a paper return's date has no time. Used for keyed returns and for
    every imported row.
    """
    opened = wave.opens_at.date()
    if received_on is None or received_on >= opened:
        return None
    return (
        "The date received must be on or after the day the wave opened, "
        f"{opened.day} {opened:%B %Y}"
    )


def received_at(received_on: date) -> datetime:
    """When a return dated ``received_on`` counts as arriving: the start of that day.

    A wave that closes at midnight makes returns received on the following day
    late; one that closes mid-afternoon still takes returns received that day.
    """
    return datetime.combine(received_on, time.min)


def is_late_return(wave: Wave, received_on: date | None) -> bool:
    return received_on is not None and wave.is_late(received_at(received_on))


def validate_answers(
    definition: SurveyDefinition, raw: Mapping[str, Any]
) -> tuple[dict[str, AnswerValue], dict[str, str]]:
    """Check every answer at once; returns the answers and a message per bad answer id."""
    try:
        return validate_response(definition, raw), {}
    except ResponseErrors as exc:
        return {}, {e.question_id: e.message for e in exc.errors}


def enter_return(
    session: Session,
    wave: Wave,
    answers: Mapping[str, AnswerValue],
    *,
    channel: Channel,
    received_on: date,
    include_late: bool | None,
    user,
) -> Response:
    """Store one keyed return (answers already validated) and commit.

    ``include_late`` is the officer's decision for a late return when the
    wave's rule is "officer decides"; the include and exclude rules decide by
    themselves.

    :raise DomainError: for a wave that has not opened yet, a date received
        before the day it opened, or an online channel (online answers come
        through the public link, never an officer).
    """
    from feedback.models.surveys import LateRule

    check_takes_returns(wave)
    if too_early := received_too_early(wave, received_on):
        raise DomainError(too_early)
    if channel is Channel.ONLINE:
        raise DomainError("an officer keys paper, phone or event returns, not online ones")
    decision = include_late if wave.late_rule is LateRule.OFFICER_DECIDES else None
    response = build_response(
        wave,
        answers,
        channel=channel,
        received_at=received_at(received_on),
        received_on=received_on,
        keyed_by=user.email,
        include_late=decision,
    )
    session.add(response)
    session.flush()
    record(
        session,
        "responses.enter",
        user=user,
        target=f"response:{response.reference}",
        detail={"wave": wave.code, "channel": channel.value, "late": response.is_late},
    )
    session.commit()
    code_after_store(session, response_ids=[response.id])
    return response


def set_late_decision(session: Session, response: Response, include: bool, *, user) -> None:
    """Include or exclude one late return from the results; audited.

    :raise DomainError: if the return is not late (on-time returns always count).
    """
    if not response.is_late:
        raise DomainError("only a late return can be included or excluded")
    before = response.included
    response.included = include
    record(
        session,
        "responses.late_decision",
        user=user,
        target=f"response:{response.reference}",
        detail={"wave_id": response.wave_id, "included": include, "was_included": before},
    )
    session.commit()
