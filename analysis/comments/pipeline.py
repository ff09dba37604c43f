"""One comment in, one coded and redacted record out.

This is the single place that combines theme coding, sentiment and
redaction, so the CLI, the benchmark and the web app all code a comment the
same way. Everything is deterministic and offline.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from analysis.comments.codebook import Codebook
from analysis.comments.redact import find_pii, redact
from analysis.comments.sentiment import score_sentiment
from analysis.comments.themes import ThemeCoder, default_coder

RESPONDENTS = ("parent_carer", "young_person")
_MASKED_KINDS = frozenset({"person_name", "email", "phone", "postcode"})


def analyse_comment(record: dict, coder: ThemeCoder | None = None) -> dict:
    """Code, score and redact one comment record.

    Parameters
    ----------
    record : dict
        At least ``id`` and ``text``; optionally ``respondent`` and
        ``question``.
    coder : ThemeCoder, optional
        A compiled codebook; the default codebook when omitted.

    Returns
    -------
    dict
        ``id``, ``themes``, ``evidence``, ``sentiment``, ``polarity``,
        ``pii`` (kind/start/end into the original text) and ``redacted``.

    Examples
    --------
    >>> out = analyse_comment({"id": 1, "text": "Mrs Patel never replies to my emails"})
    >>> out["themes"], out["sentiment"], out["redacted"]
    (['communication'], 'negative', '[name] never replies to my emails')
    """
    if not isinstance(record, dict) or "id" not in record or "text" not in record:
        raise ValueError("each record needs an 'id' and a 'text'")
    text = record["text"]
    if not isinstance(text, str):
        raise ValueError(f"record {record['id']!r}: text must be a string")
    coder = coder or default_coder()
    spans = find_pii(text)
    # Names are not evidence for a theme ("Dr Price" is no funding cue);
    # setting names are kept, since "at Northfield College" says college.
    masked = [(s.start, s.end) for s in spans if s.kind in _MASKED_KINDS]
    hits = coder.code(text, record.get("question"), record.get("respondent"), masked=masked)
    feeling = score_sentiment(text)
    return {
        "id": record["id"],
        "themes": [h.key for h in hits],
        "evidence": {h.key: list(h.evidence) for h in hits},
        "sentiment": feeling.label,
        "polarity": feeling.polarity,
        "pii": [{"kind": s.kind, "start": s.start, "end": s.end} for s in spans],
        "redacted": redact(text, spans),
    }


def analyse_comments(records: Iterable[dict], codebook: Codebook | None = None) -> Iterator[dict]:
    """Lazily analyse many records with one compiled codebook."""
    coder = ThemeCoder(codebook) if codebook is not None else default_coder()
    for record in records:
        yield analyse_comment(record, coder)
