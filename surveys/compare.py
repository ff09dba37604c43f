"""Compare two survey definitions: did the wording of a KPI question change?

A KPI trend is only fair when every point asked the same question with the
same options, and counted the same options as positive. Results pages call
:func:`kpi_wording_changes` on the versions behind two waves and warn when it
returns anything; the forum's review page calls :func:`question_changes` to
show what a new version changes. Both are pure functions over
:class:`~surveys.schema.SurveyDefinition` objects.

Whitespace differences are ignored (a re-wrapped line is the same wording);
anything else, including a change of case or punctuation, counts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from surveys.schema import Question, SurveyDefinition

__all__ = [
    "KpiWordingChange",
    "QuestionChange",
    "kpi_wording_changes",
    "kpi_wording_fingerprints",
    "question_changes",
]


@dataclass(frozen=True)
class QuestionChange:
    """How one question differs between two definitions.

    ``kind`` is ``"added"``, ``"removed"`` or ``"changed"``; ``details`` are
    short sentences for people ("Option 'poor' relabelled from 'Poor' to 'Bad'").
    """

    question_id: str
    kind: str
    before: str | None
    after: str | None
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class KpiWordingChange:
    """A KPI whose question wording, options or positive options differ.

    ``aspects`` names what changed, from ``"added"``, ``"removed"``,
    ``"text"``, ``"hint"``, ``"options"``, ``"positive"`` and ``"excluded"``.
    """

    kpi: str
    aspects: tuple[str, ...]
    before: str | None
    after: str | None
    details: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """One sentence for a warning on a results page."""
        if "added" in self.aspects:
            return f"KPI {self.kpi} was not asked in the earlier survey"
        if "removed" in self.aspects:
            return f"KPI {self.kpi} was not asked in the later survey"
        return f"KPI {self.kpi}: " + "; ".join(self.details)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _differences(
    a: Question, b: Question, *, include_hints: bool = True
) -> tuple[list[str], list[str]]:
    """(aspects, details) that differ between two versions of a question."""
    aspects: list[str] = []
    details: list[str] = []
    if _norm(a.text) != _norm(b.text):
        aspects.append("text")
        details.append(f"question reworded from {a.text!r} to {b.text!r}")
    if include_hints and _norm(a.hint) != _norm(b.hint):
        aspects.append("hint")
        details.append("hint text changed")
    option_details = _option_differences(a, b)
    if option_details:
        aspects.append("options")
        details.extend(option_details)
    for name in ("positive", "excluded"):
        before, after = set(getattr(a, name)), set(getattr(b, name))
        if before != after:
            aspects.append(name)
            details.append(
                f"{name} options changed from {', '.join(sorted(before)) or 'none'} "
                f"to {', '.join(sorted(after)) or 'none'}"
            )
    return aspects, details


def _option_differences(a: Question, b: Question) -> list[str]:
    before = {o.code: o for o in a.options}
    after = {o.code: o for o in b.options}
    details = [f"option {code!r} removed" for code in before if code not in after]
    details += [f"option {code!r} added" for code in after if code not in before]
    for code, old in before.items():
        new = after.get(code)
        if new is not None and _norm(old.label) != _norm(new.label):
            details.append(f"option {code!r} relabelled from {old.label!r} to {new.label!r}")
    shared = [c for c in before if c in after]
    if not details and shared != [c for c in after if c in before]:
        details.append("options reordered")
    return details


def question_changes(a: SurveyDefinition, b: SurveyDefinition) -> list[QuestionChange]:
    """Every question added, removed or changed from ``a`` to ``b``, in ``b``'s order.

    Questions are matched by id, which never changes between versions.

    Examples
    --------
    >>> from surveys.loader import load_all
    >>> d = load_all()["kpi-pulse"]
    >>> question_changes(d, d)
    []
    """
    old = {q.id: q for q in a.questions}
    new = {q.id: q for q in b.questions}
    changes = [
        QuestionChange(q.id, "removed", q.text, None) for q in a.questions if q.id not in new
    ]
    for q in b.questions:
        if q.id not in old:
            changes.append(QuestionChange(q.id, "added", None, q.text))
            continue
        _, details = _differences(old[q.id], q)
        if details:
            changes.append(QuestionChange(q.id, "changed", old[q.id].text, q.text, tuple(details)))
    return changes


def _by_kpi(definition: SurveyDefinition) -> dict[str, Question]:
    found: dict[str, Question] = {}
    for q in definition.kpi_questions:
        if q.kpi in found:
            raise ValueError(
                f"{definition.slug}: KPI {q.kpi} is asked by both {found[q.kpi].id!r} and {q.id!r}"
            )
        found[q.kpi] = q  # type: ignore[index]
    return found


def kpi_wording_changes(
    a: SurveyDefinition, b: SurveyDefinition, *, include_hints: bool = False
) -> list[KpiWordingChange]:
    """The KPIs whose question differs between definitions ``a`` and ``b``.

    Parameters
    ----------
    a, b : SurveyDefinition
        The earlier and later definitions (for example the versions behind two
        waves). They may be different surveys: KPI questions are matched by
        KPI code, not question id.
    include_hints : bool, default False
        Also report a changed hint. Off by default: a hint is guidance under
        the question (the pulse survey drops two of the annual survey's), and
        the question, its options and what counts as positive decide whether
        two results measure the same thing.

    Returns
    -------
    list of KpiWordingChange
        One entry per KPI that was added, removed, reworded, given different
        options, or given different positive or excluded options, sorted by KPI
        code. Empty when every KPI question is comparable.

    Raises
    ------
    ValueError
        If one definition asks the same KPI in two questions (which one to
        compare would be a guess).

    Examples
    --------
    >>> from dataclasses import replace
    >>> from surveys.loader import load_all
    >>> a = load_all()["kpi-pulse"]
    >>> q = a.question("kpi_4_1")
    >>> b = replace(a, questions=tuple(
    ...     replace(x, text="How much do you trust local services?") if x is q else x
    ...     for x in a.questions))
    >>> [(c.kpi, c.aspects) for c in kpi_wording_changes(a, b)]
    [('4/1', ('text',))]
    >>> kpi_wording_changes(a, a)
    []
    """
    old, new = _by_kpi(a), _by_kpi(b)
    changes: list[KpiWordingChange] = []
    for kpi in sorted(set(old) | set(new)):
        qa, qb = old.get(kpi), new.get(kpi)
        if qa is None:
            changes.append(KpiWordingChange(kpi, ("added",), None, qb.text))  # type: ignore[union-attr]
        elif qb is None:
            changes.append(KpiWordingChange(kpi, ("removed",), qa.text, None))
        else:
            aspects, details = _differences(qa, qb, include_hints=include_hints)
            if aspects:
                changes.append(
                    KpiWordingChange(kpi, tuple(aspects), qa.text, qb.text, tuple(details))
                )
    return changes


def kpi_wording_fingerprints(definition: SurveyDefinition) -> dict[str, str]:
    """A short fingerprint of each KPI question's wording, keyed by KPI code.

    Two definitions give the same fingerprint for a KPI exactly when
    :func:`kpi_wording_changes` (hints ignored) reports no change for it, so a
    fingerprint can serve as the ``wording_version`` that
    :mod:`analysis.trend` compares across waves.

    Examples
    --------
    >>> from surveys.loader import load_all
    >>> d = load_all()
    >>> annual = kpi_wording_fingerprints(d["parent-carer-annual"])
    >>> annual["4/1"] == kpi_wording_fingerprints(d["kpi-pulse"])["4/1"]
    True
    >>> len(annual["4/1"])
    12
    """
    fingerprints = {}
    for kpi, q in _by_kpi(definition).items():
        shape = {
            "text": _norm(q.text),
            "options": [[o.code, _norm(o.label)] for o in q.options],
            "positive": sorted(q.positive),
            "excluded": sorted(q.excluded),
        }
        digest = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()
        fingerprints[kpi] = digest[:12]
    return fingerprints
