"""Writing KPI settings: baseline versions and their governance, milestones, commentary,
the plan's other KPI values, and the December 2019 seed.

Each function changes one thing, adds an audit row and commits once, so a page
or the CLI can call it directly. Domain rules (what may move where, what is
locked) live on :class:`feedback.models.kpis.KpiBaseline`; a refused change
raises :class:`feedback.models.types.DomainError` with a message for the officer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from analysis.targets import DEFAULT_MILESTONES, MilestoneRule, TargetMode
from feedback import clock
from feedback.models.kpis import (
    BaselineSource,
    BaselineStatus,
    KpiBaseline,
    KpiCommentary,
    KpiMilestone,
    KpiUnit,
    OtherKpiValue,
    OtherKpiValueKind,
    TargetModeColumn,
)
from feedback.models.types import DomainError
from feedback.services.audit import record
from surveys.kpis import KPIS

SUB_GROUP = "SENDCIB co-production sub-group"
BOARD = "SEND Continuous Improvement Board (SENDCIB)"


def _actor(user) -> str:
    return getattr(user, "email", None) or "system"


def _signature(user) -> str:
    """How commentary is signed: the person's name where there is one."""
    return getattr(user, "label", None) or _actor(user)


def _plain(value: Any) -> Any:
    """A value as the audit log's JSON can hold it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _before_after(row, names: Sequence[str], changes: dict[str, Any]) -> dict[str, list]:
    """``{field: [before, after]}`` for the fields that ``changes`` would change."""
    return {
        name: [_plain(getattr(row, name)), _plain(changes[name])]
        for name in names
        if getattr(row, name) != changes[name]
    }


# --- baselines -------------------------------------------------------------------------


def baseline_history(session: Session, kpi: str) -> list[KpiBaseline]:
    """Every version of ``kpi``'s baseline, newest first."""
    return list(
        session.scalars(
            select(KpiBaseline).where(KpiBaseline.kpi == kpi).order_by(KpiBaseline.version.desc())
        )
    )


def current_baselines(session: Session) -> dict[str, KpiBaseline]:
    """The baseline each KPI reports against: its ratified version, else its newest one.

    An unratified baseline is still shown (with its status) so that officers see
    the figure being agreed, but pages and exports say it is not yet ratified.
    Withdrawn versions never count, so withdrawing one brings back whichever
    version applied before it.
    """
    chosen: dict[str, KpiBaseline] = {}
    rows = session.scalars(select(KpiBaseline).order_by(KpiBaseline.kpi, KpiBaseline.version))
    for b in rows:
        if b.status in (BaselineStatus.SUPERSEDED, BaselineStatus.WITHDRAWN):
            continue
        held = chosen.get(b.kpi)
        # Versions come oldest first: a ratified one is only displaced by a later ratified one.
        keep_held = (
            held is not None
            and held.status is BaselineStatus.RATIFIED
            and b.status is not BaselineStatus.RATIFIED
        )
        if not keep_held:
            chosen[b.kpi] = b
    return chosen


def fallback_baseline(session: Session, baseline: KpiBaseline) -> KpiBaseline | None:
    """The version reports use once ``baseline`` is withdrawn: the KPI's ratified one, if any.

    Only one version can be waiting (draft or agreed) at a time, so when it goes,
    :func:`current_baselines` falls back to the ratified version or to nothing.
    """
    return next(
        (
            b
            for b in baseline_history(session, baseline.kpi)
            if b.id != baseline.id and b.status is BaselineStatus.RATIFIED
        ),
        None,
    )


def new_baseline_version(
    session: Session,
    kpi: str,
    *,
    baseline_date: date,
    value: float | None = None,
    wave_id: int | None = None,
    document: str = "",
    document_date: date | None = None,
    note: str = "",
    recorded_note: str = "",
    reason: str = "",
    user=None,
) -> KpiBaseline:
    """Add a draft baseline version (an imported ``value`` or a designated ``wave_id``).

    :raise DomainError: for an unknown KPI, neither or both of value and wave, a
        value outside 0-100, a missing reason when earlier versions exist, or an
        unfinished (draft or agreed) version already waiting.
    """
    if kpi not in KPIS:
        raise DomainError(f"there is no KPI {kpi}")
    fields = _figure_fields(value, wave_id, baseline_date, document, document_date, note, reason)
    history = baseline_history(session, kpi)
    if history and not reason.strip():
        raise DomainError("enter the reason for the new baseline version")
    waiting = [b for b in history if b.status in (BaselineStatus.DRAFT, BaselineStatus.AGREED)]
    if waiting:
        raise DomainError(
            f"version {waiting[0].version} of this baseline is still {waiting[0].status.value}; "
            "ratify it or make changes to it before starting another"
        )
    baseline = KpiBaseline(
        kpi=kpi,
        version=(history[0].version + 1) if history else 1,
        recorded_note=recorded_note.strip(),
        status=BaselineStatus.DRAFT,
        created_by=_actor(user),
        **fields,
    )
    session.add(baseline)
    session.flush()
    record(
        session,
        "kpi.baseline.new_version",
        user=user,
        target=f"KPI {kpi} v{baseline.version}",
        detail={"value": value, "wave_id": wave_id, "reason": baseline.reason},
    )
    session.commit()
    return baseline


def _figure_fields(
    value: float | None,
    wave_id: int | None,
    baseline_date: date,
    document: str,
    document_date: date | None,
    note: str,
    reason: str,
) -> dict[str, Any]:
    """A baseline's figure and provenance, checked and tidied, as every version stores them.

    :raise DomainError: for neither or both of value and wave, or a value outside 0-100.
    """
    if (value is None) == (wave_id is None):
        raise DomainError("enter either a published figure or a survey wave, not both")
    if value is not None and not 0 <= value <= 100:
        raise DomainError("enter a percentage between 0 and 100")
    return {
        "source": BaselineSource.IMPORTED if value is not None else BaselineSource.WAVE,
        "value": value,
        "wave_id": wave_id,
        "baseline_date": baseline_date,
        "document": document.strip(),
        "document_date": document_date,
        "note": note.strip(),
        "reason": reason.strip(),
    }


def revise_baseline(
    session: Session,
    baseline: KpiBaseline,
    *,
    baseline_date: date,
    value: float | None = None,
    wave_id: int | None = None,
    document: str = "",
    document_date: date | None = None,
    note: str = "",
    reason: str = "",
    user=None,
) -> list[str]:
    """Correct a draft or agreed version's figure and provenance; returns what changed.

    A change to an agreed version returns it to draft (the sub-group agreed
    other figures), so its agreement has to be recorded again. Nothing changed
    means nothing is written, not even an audit row.

    :raise DomainError: for a ratified, superseded or withdrawn version (a change
        to a ratified baseline is a new version with a reason), neither or both
        of value and wave, a value outside 0-100, or an empty reason on a
        version after the first.
    """
    changes = _figure_fields(value, wave_id, baseline_date, document, document_date, note, reason)
    if baseline.version > 1 and not reason.strip():
        raise DomainError("enter the reason for this baseline version")
    was = baseline.status
    diff = _before_after(baseline, list(changes), changes)
    changed = baseline.revise(clock.now(), _actor(user), **changes)
    if not changed:
        return []
    record(
        session,
        "kpi.baseline.edited",
        user=user,
        target=f"KPI {baseline.kpi} v{baseline.version}",
        detail={
            "changed": diff,
            "returned_to_draft": was is BaselineStatus.AGREED,
        },
    )
    session.commit()
    return changed


def withdraw_baseline(session: Session, baseline: KpiBaseline, reason: str, *, user=None):
    """Withdraw a draft or agreed version with a reason; it stays in the history.

    The version stops being current, so the one that applied before it (if
    any) applies again, and a new version can be started.

    :raise DomainError: as :meth:`KpiBaseline.withdraw` (ratified versions are
        locked: a change to them is a new version with a reason).
    """
    was = baseline.status
    baseline.withdraw(clock.now(), _actor(user), reason)
    record(
        session,
        "kpi.baseline.withdrawn",
        user=user,
        target=f"KPI {baseline.kpi} v{baseline.version}",
        detail={"was": was.value, "reason": baseline.withdrawal_reason},
    )
    session.commit()


def agree_baseline(session: Session, baseline: KpiBaseline, on: date, by: str, *, user=None):
    """Record the co-production sub-group's agreement (date, who).

    :raise DomainError: as :meth:`KpiBaseline.agree`.
    """
    baseline.agree(on, by)
    record(
        session,
        "kpi.baseline.agreed",
        user=user,
        target=f"KPI {baseline.kpi} v{baseline.version}",
        detail={"on": on.isoformat(), "by": by},
    )
    session.commit()


def ratify_baseline(session: Session, baseline: KpiBaseline, on: date, by: str, *, user=None):
    """Record the improvement board's ratification; the earlier ratified version is superseded.

    :raise DomainError: as :meth:`KpiBaseline.ratify`.
    """
    baseline.ratify(on, by)
    for older in baseline_history(session, baseline.kpi):
        if older.id != baseline.id and older.status is BaselineStatus.RATIFIED:
            older.supersede()
    record(
        session,
        "kpi.baseline.ratified",
        user=user,
        target=f"KPI {baseline.kpi} v{baseline.version}",
        detail={"on": on.isoformat(), "by": by},
    )
    session.commit()


# --- milestones ------------------------------------------------------------------------


def milestone_rules(session: Session) -> dict[str, tuple[MilestoneRule, ...]]:
    """Milestone rules per KPI: the stored ones, else the seed's defaults (+10 / +15 points)."""
    stored: dict[str, list[MilestoneRule]] = {}
    for m in session.scalars(select(KpiMilestone).order_by(KpiMilestone.kpi, KpiMilestone.months)):
        stored.setdefault(m.kpi, []).append(
            MilestoneRule(months=m.months, plus=m.plus, mode=TargetMode(m.mode.value))
        )
    return {code: tuple(stored.get(code, DEFAULT_MILESTONES)) for code in KPIS}


def set_milestones(
    session: Session, kpi: str, rules: Sequence[MilestoneRule], *, user=None
) -> None:
    """Replace ``kpi``'s milestones.

    :raise DomainError: for an unknown KPI, no rules, two rules at the same month,
        or months below 1.
    """
    if kpi not in KPIS:
        raise DomainError(f"there is no KPI {kpi}")
    if not rules:
        raise DomainError("enter at least one milestone")
    months = [r.months for r in rules]
    if len(set(months)) != len(months):
        raise DomainError("each milestone needs a different number of months")
    if any(m < 1 for m in months):
        raise DomainError("months after the baseline must be 1 or more")
    session.execute(delete(KpiMilestone).where(KpiMilestone.kpi == kpi))
    for r in rules:
        session.add(
            KpiMilestone(
                kpi=kpi,
                months=int(r.months),
                plus=float(r.plus),
                mode=TargetModeColumn(str(TargetMode(r.mode))),
                updated_by=_actor(user),
            )
        )
    record(
        session,
        "kpi.milestones.set",
        user=user,
        target=f"KPI {kpi}",
        detail={"rules": [[r.months, r.plus, str(TargetMode(r.mode))] for r in rules]},
    )
    session.commit()


# --- commentary ------------------------------------------------------------------------


def add_commentary(
    session: Session,
    kpi: str,
    *,
    period_label: str,
    period_end: date,
    body: str,
    user=None,
    author: str | None = None,
) -> KpiCommentary:
    """Add dated, signed commentary for one reporting period.

    :raise DomainError: for an unknown KPI or empty text.
    """
    if kpi not in KPIS:
        raise DomainError(f"there is no KPI {kpi}")
    if not body.strip() or not period_label.strip():
        raise DomainError("enter the reporting period and the commentary")
    row = KpiCommentary(
        kpi=kpi,
        period_label=period_label.strip(),
        period_end=period_end,
        body=body.strip(),
        author=author or _signature(user),
        user_id=getattr(user, "id", None),
    )
    session.add(row)
    record(session, "kpi.commentary.added", user=user, target=f"KPI {kpi} {period_label}")
    session.commit()
    return row


def edit_commentary(
    session: Session,
    row: KpiCommentary,
    *,
    period_label: str,
    period_end: date,
    body: str,
    user=None,
) -> bool:
    """Correct a commentary; the author stays, and who edited it and when is recorded.

    Returns False, writing nothing, when nothing changed. The audit row keeps
    the text as it was, since the row itself now holds only the new one.

    :raise DomainError: for empty text.
    """
    if not body.strip() or not period_label.strip():
        raise DomainError("enter the reporting period and the commentary")
    changes = {"period_label": period_label.strip(), "period_end": period_end, "body": body.strip()}
    diff = _before_after(row, list(changes), changes)
    if not diff:
        return False
    for name, value in changes.items():
        setattr(row, name, value)
    row.edited_at, row.edited_by = clock.now(), _signature(user)
    record(
        session,
        "kpi.commentary.edited",
        user=user,
        target=f"KPI {row.kpi} {row.period_label}",
        detail={"commentary": row.id, "author": row.author, "changed": diff},
    )
    session.commit()
    return True


def delete_commentary(session: Session, row: KpiCommentary, *, user=None) -> None:
    """Delete a commentary; the audit row keeps what it said and who wrote it."""
    record(
        session,
        "kpi.commentary.deleted",
        user=user,
        target=f"KPI {row.kpi} {row.period_label}",
        detail={
            "commentary": row.id,
            "author": row.author,
            "period_end": row.period_end.isoformat(),
            "body": row.body,
        },
    )
    session.delete(row)
    session.commit()


def commentary_history(session: Session, kpi: str | None = None) -> list[KpiCommentary]:
    """Commentary newest period first (then newest written first)."""
    stmt = select(KpiCommentary).order_by(
        KpiCommentary.period_end.desc(), KpiCommentary.created_at.desc(), KpiCommentary.id.desc()
    )
    if kpi is not None:
        stmt = stmt.where(KpiCommentary.kpi == kpi)
    return list(session.scalars(stmt))


def latest_commentary(session: Session) -> dict[str, KpiCommentary]:
    latest: dict[str, KpiCommentary] = {}
    for row in commentary_history(session):
        latest.setdefault(row.kpi, row)
    return latest


# --- other KPIs ------------------------------------------------------------------------


def _other_value_fields(
    *,
    code: str,
    measure: str,
    period_date: date,
    unit: str = "percent",
    kind: str = "performance",
    value: float | None = None,
    text: str | None = None,
    period_label: str = "",
    action_group: str = "",
    frequency: str = "",
    source_note: str = "",
) -> dict[str, Any]:
    """The stored form of an other-KPI value, checked.

    :raise DomainError: for a KPI 4 code (those come from the surveys), an
        unknown unit or kind, or neither a value nor a text.
    """
    code = code.strip()
    if not code or code.startswith("4/"):
        raise DomainError("enter the code of one of the plan's other KPIs, like 1/2 or 5/1")
    if value is None and not (text or "").strip():
        raise DomainError("enter a value or what the source says instead, like TBC")
    try:
        unit_, kind_ = KpiUnit(unit), OtherKpiValueKind(kind)
    except ValueError as exc:
        raise DomainError(str(exc)) from exc
    return {
        "code": code,
        "measure": measure.strip(),
        "period_date": period_date,
        "period_label": period_label.strip() or period_date.strftime("%b-%y"),
        "unit": unit_,
        "kind": kind_,
        "value": value,
        "text": (text or "").strip() or None,
        "action_group": action_group.strip(),
        "frequency": frequency.strip(),
        "source_note": source_note.strip(),
    }


def add_other_value(session: Session, *, user=None, **fields) -> OtherKpiValue:
    """Record a figure for one of the plan's other KPIs (1/x, 2/x, 3/x, 5/x).

    ``fields`` are those of :func:`_other_value_fields` (code, measure,
    period_date, unit, kind, value, text, period_label, action_group, frequency,
    source_note).

    :raise DomainError: as :func:`_other_value_fields`.
    """
    row = OtherKpiValue(**_other_value_fields(**fields), entered_by=_actor(user))
    session.add(row)
    record(session, "kpi.other_value.added", user=user, target=f"KPI {row.code} {row.period_label}")
    session.commit()
    return row


def edit_other_value(session: Session, row: OtherKpiValue, *, user=None, **fields) -> bool:
    """Correct a recorded value; who entered it stays, who edited it and when is recorded.

    Returns False, writing nothing, when nothing changed; the audit row keeps
    each changed field's value before and after.

    :raise DomainError: as :func:`_other_value_fields`.
    """
    changes = _other_value_fields(**fields)
    diff = _before_after(row, list(changes), changes)
    if not diff:
        return False
    for name, value in changes.items():
        setattr(row, name, value)
    row.edited_at, row.edited_by = clock.now(), _actor(user)
    record(
        session,
        "kpi.other_value.edited",
        user=user,
        target=f"KPI {row.code} {row.period_label}",
        detail={"value": row.id, "changed": diff},
    )
    session.commit()
    return True


def delete_other_value(session: Session, row: OtherKpiValue, *, user=None) -> None:
    """Delete a recorded value; the audit row keeps what it was and its source."""
    record(
        session,
        "kpi.other_value.deleted",
        user=user,
        target=f"KPI {row.code} {row.period_label}",
        detail={
            "value": row.id,
            "kind": row.kind.value,
            "shown": row.display,
            "period_date": row.period_date.isoformat(),
            "source_note": row.source_note,
            "entered_by": row.entered_by,
        },
    )
    session.delete(row)
    session.commit()


def other_values(session: Session) -> list[OtherKpiValue]:
    return list(
        session.scalars(
            select(OtherKpiValue).order_by(
                OtherKpiValue.code, OtherKpiValue.period_date, OtherKpiValue.id
            )
        )
    )


# --- the December 2019 seed -----------------------------------------------------------


@dataclass(frozen=True)
class SeedBaseline:
    kpi: str
    value: float
    second_figure: float
    lines: str


#: Seed 004 Appendix A, KPI 4 table: the first figure is the baseline, the second is kept.
SEED_2019 = (
    SeedBaseline("4/1", 38.5, 61.5, "1859-1873"),
    SeedBaseline("4/2", 58.0, 30.0, "1875-1887"),
    SeedBaseline("4/3", 63.0, 37.0, "1889-1903"),
    SeedBaseline("4/4", 55.0, 45.0, "1905-1916"),
    SeedBaseline("4/5", 62.0, 38.0, "1932-1943"),
    SeedBaseline("4/6", 66.0, 34.0, "1951-1962"),
)
SEED_DOCUMENT = (
    "Sefton Health and Wellbeing Board, SEND revisit progress report (2020), Appendix A "
    "Current KPI Performance; baseline from the Baseline parent carer survey"
)
SEED_NOTE = (
    'Wave "Baseline parent carer survey": online 14 November to 18 December 2019; '
    "late postal returns accepted given the time of year (report section 2.10.4)."
)


def _second_figure_note(s: SeedBaseline) -> str:
    return (
        f"The source prints a second figure, {s.second_figure:g}%, beside the baseline under "
        f'the heading "Feedback" (lines {s.lines}). The source does not define it; it is '
        "recorded here as printed and not used in any calculation."
    )


def seed_baselines(session: Session, *, user=None) -> list[str]:
    """Load the December 2019 Sefton baselines as imported, ratified version 1s.

    Idempotent: a KPI that already has any baseline version is left alone, so
    running it twice (or after officers made new versions) changes nothing.
    Returns the KPI codes it added.
    """
    added = []
    for s in SEED_2019:
        if session.scalars(select(KpiBaseline.id).where(KpiBaseline.kpi == s.kpi)).first():
            continue
        baseline = KpiBaseline(
            kpi=s.kpi,
            version=1,
            source=BaselineSource.IMPORTED,
            value=s.value,
            baseline_date=date(2019, 12, 18),
            document=SEED_DOCUMENT,
            document_date=date(2020, 2, 11),
            note=SEED_NOTE,
            recorded_note=_second_figure_note(s),
            status=BaselineStatus.DRAFT,
            created_by=_actor(user),
        )
        baseline.agree(date(2020, 2, 6), SUB_GROUP)
        baseline.ratify(date(2020, 2, 11), BOARD)
        session.add(baseline)
        added.append(s.kpi)
    if added:
        record(session, "kpi.baseline.seeded", user=user, detail={"kpis": added})
    session.commit()
    return added
