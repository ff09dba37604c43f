"""Agreement between automatic and human theme coding.

When a forum member or officer confirms or changes a comment's themes, the
human coding wins everywhere; these functions measure how far the automatic
coding can be trusted, on the confirmed sample only. Per theme we report
precision and recall of the automatic coding against the human one and
Cohen's kappa, which discounts the agreement two coders would reach by
chance (high for rare themes where both simply say "no").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ThemeAgreement:
    """Agreement on one theme over the confirmed sample."""

    key: str
    n: int
    both: int
    auto_only: int
    human_only: int
    precision: float | None
    recall: float | None
    kappa: float | None


def cohens_kappa(both: int, auto_only: int, human_only: int, neither: int) -> float | None:
    """Cohen's kappa for two binary codings from their 2x2 counts.

    Returns ``None`` when kappa is undefined (chance agreement is 1, e.g.
    neither coder ever used the theme).

    Examples
    --------
    >>> round(cohens_kappa(20, 5, 5, 70), 3)
    0.733
    """
    counts = (both, auto_only, human_only, neither)
    if any(c < 0 for c in counts):
        raise ValueError("counts must not be negative")
    n = sum(counts)
    if n == 0:
        return None
    observed = (both + neither) / n
    p_auto = (both + auto_only) / n
    p_human = (both + human_only) / n
    chance = p_auto * p_human + (1 - p_auto) * (1 - p_human)
    if chance == 1:
        return None
    return (observed - chance) / (1 - chance)


def theme_agreement(
    auto: Mapping[str, Iterable[str]],
    human: Mapping[str, Iterable[str]],
    themes: Iterable[str] | None = None,
) -> list[ThemeAgreement]:
    """Per-theme precision, recall and kappa of automatic vs human coding.

    Parameters
    ----------
    auto, human : mapping of comment id to theme keys
        Only ids present in ``human`` (the confirmed sample) are compared; an
        id confirmed by a human but missing from ``auto`` counts as coded
        with no themes.
    themes : iterable of str, optional
        Theme keys to report; defaults to every key either side used.

    Returns
    -------
    list of ThemeAgreement
        In the order of ``themes`` (sorted keys by default). Precision is
        ``None`` when the machine never used the theme, recall when humans
        never did.

    Examples
    --------
    >>> rows = theme_agreement({"a": ["transport"], "b": []},
    ...                        {"a": ["transport"], "b": ["transport"]})
    >>> rows[0].precision, rows[0].recall
    (1.0, 0.5)
    """
    confirmed = {cid: set(keys) for cid, keys in human.items()}
    if not confirmed:
        raise ValueError("no human-confirmed comments to compare against")
    machine = {cid: set(auto.get(cid, ())) for cid in confirmed}
    if themes is None:
        themes = sorted(set().union(*confirmed.values(), *machine.values()))
    rows = []
    for key in themes:
        both = sum(key in machine[c] and key in confirmed[c] for c in confirmed)
        auto_only = sum(key in machine[c] and key not in confirmed[c] for c in confirmed)
        human_only = sum(key not in machine[c] and key in confirmed[c] for c in confirmed)
        neither = len(confirmed) - both - auto_only - human_only
        rows.append(
            ThemeAgreement(
                key=key,
                n=len(confirmed),
                both=both,
                auto_only=auto_only,
                human_only=human_only,
                precision=both / (both + auto_only) if both + auto_only else None,
                recall=both / (both + human_only) if both + human_only else None,
                kappa=cohens_kappa(both, auto_only, human_only, neither),
            )
        )
    return rows


def sentiment_agreement(auto: Mapping[str, str], human: Mapping[str, str]) -> dict:
    """Accuracy and Cohen's kappa of sentiment labels on the confirmed sample.

    Examples
    --------
    >>> sentiment_agreement({"a": "negative", "b": "mixed"},
    ...                     {"a": "negative", "b": "positive"})["accuracy"]
    0.5
    """
    if not human:
        raise ValueError("no human-confirmed comments to compare against")
    pairs = [(auto.get(cid), label) for cid, label in human.items()]
    n = len(pairs)
    observed = sum(a == h for a, h in pairs) / n
    labels = {a for a, _ in pairs} | {h for _, h in pairs}
    chance = sum(
        (sum(a == lab for a, _ in pairs) / n) * (sum(h == lab for _, h in pairs) / n)
        for lab in labels
    )
    kappa = None if chance == 1 else (observed - chance) / (1 - chance)
    return {"n": n, "accuracy": observed, "kappa": kappa}
