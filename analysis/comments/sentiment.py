"""Sentiment for SEND comments: TextBlob's lexicon, corrected for the domain.

Raw TextBlob gets about a quarter of these comments right: it reads "special
school" and "full time" as praise, misses "fight", "battle", "waiting" and
"shambles", takes "great, another 40 weeks" at face value, and averages a
comment that praises one service and condemns another into "neutral". So we
keep TextBlob's word polarities (its bundled ``en-sentiment.xml``, no corpus
download) but score clause by clause with:

- a domain lexicon (``analysis/data/comments_sentiment.json``) that overrides
  TextBlob words and adds idioms scored as one unit ("let down", "can't fault
  them", "pillar to post", "is sound");
- negation that flips the next opinion word within three words, and treats a
  negated helping verb ("nobody listens", "never replied") as a complaint;
- sarcasm: a praise word opening a clause followed by "another"/"more", or
  "obviously"/"apparently" next to praise, reads negative; praise inside scare
  quotes ('coping') is reported speech and does not count;
- mixed: a comment is mixed when both positive and negative clauses carry
  real weight and neither swamps the other.

We call the lexicon directly rather than building a ``TextBlob`` per comment:
it is the same lexicon and about twenty times faster.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.comments.text import (
    CLAUSE_SPLIT_RE,
    CueIndex,
    cue_regex,
    data_path,
    normalise,
    starts_word,
)

LABELS = ("positive", "negative", "mixed", "neutral")
# Below this much opinion either way a comment is neutral.
NEUTRAL_BELOW = 0.15
# Mixed needs real weight on both sides, the weaker at least 35% of the stronger.
MIXED_AT_LEAST = 0.5
MIXED_RATIO = 0.45
# A negation that flips no opinion word ("aren't replacing her") is a mild complaint.
DANGLING_NEGATION = 0.15
# Weight of an opinion-free clause after "but" that follows praise.
CONTRAST_WEIGHT = 0.5
NEGATORS = frozenset(
    {
        "not",
        "no",
        "never",
        "n't",
        "cannot",
        "cant",
        "dont",
        "don't",
        "doesn't",
        "doesnt",
        "didn't",
        "didnt",
        "won't",
        "wont",
        "isn't",
        "isnt",
        "wasn't",
        "wasnt",
        "aren't",
        "arent",
        "weren't",
        "werent",
        "hardly",
        "without",
        "couldn't",
        "couldnt",
        "can't",
        "haven't",
        "havent",
        "hasn't",
        "hasnt",
        "wouldn't",
        "wouldnt",
        "shouldn't",
        "shouldnt",
        "nor",
        "neither",
    }
)
INTENSIFIERS = {
    "very": 1.4,
    "really": 1.3,
    "so": 1.3,
    "extremely": 1.6,
    "absolutely": 1.5,
    "completely": 1.4,
    "totally": 1.4,
    "utterly": 1.5,
    "incredibly": 1.5,
    "genuinely": 1.3,
    "truly": 1.3,
    "massively": 1.4,
    "too": 1.2,
    "bit": 0.6,
    "slightly": 0.5,
    "fairly": 0.7,
    "quite": 0.9,
    "somewhat": 0.6,
}
_TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|[!?]")
_SARCASM_OPEN_RE = re.compile(
    r"^\W*(?:oh\s+|well\s+|yeah\s+)?(great|brilliant|fantastic|wonderful|lovely|perfect|"
    r"marvellous|super|excellent|fab|nice one)\b\W*(?:,|!|\.\.\.|\s)\s*"
    r"(?=(?:another|more|yet|so|again|obviously|clearly|thanks|just what|that's|that is|"
    r"confidence|a\b|an\b))"
)
_SARCASTIC_OPENER_RE = re.compile(
    r"^\W*(?:oh\s+|well\s+|yeah\s+|how\s+)?(?:great|brilliant|fantastic|wonderful|lovely|perfect|"
    r"marvellous|super|superb|excellent|fab|terrific|amazing|nice one|splendid|wow)"
    r"(?:\s+(?:system|service|news|stuff|job|work|that))?(?:,?\s+(?:truly|really|honestly|eh|then))?"
    r"\s*(?:[,.!]+\s*)+"
)
_CONTRAST_RE = re.compile(
    r"\b(?:but|however|although|though|whereas|except|on the other hand|apart from|"
    r"other than that|yet)\b"
)
_IRONY_RE = re.compile(r"\b(?:obviously|apparently|clearly|of course|i suppose|supposedly)\b")
_QUOTED_RE = re.compile(r"(?:^|(?<=[\s(]))['\"][^'\"]{1,60}['\"](?=[\s.,;:!?)]|$)")
_SHOUT_RE = re.compile(r"\b[A-Z]{2,}(?:\s+[A-Z]{2,}){1,}\b")
_RHETORICAL_RE = re.compile(
    r"\?\s*\?|\bwhat (?:is the point|confidence|information|support|help)\b"
)


@dataclass(frozen=True)
class Sentiment:
    """A sentiment label with a polarity in [-1, 1]."""

    label: str
    polarity: float


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, float], CueIndex]:
    """Merge TextBlob's word polarities with our domain overrides and idioms."""
    from textblob.en import sentiment as pattern_sentiment

    words: dict[str, float] = {}
    for word, senses in pattern_sentiment.items():
        if " " in word:
            continue
        general = senses.get(None) or next(iter(senses.values()))
        # Exclamations and emoticons with tiny weights add only noise.
        if abs(general[0]) >= 0.1:
            words[word.lower()] = float(general[0])
    with data_path("comments_sentiment.json").open(encoding="utf-8") as fh:
        domain = json.load(fh)
    words.update({w: float(p) for w, p in domain["words"].items()})
    index = CueIndex(
        (phrase, (re.compile(cue_regex(phrase, bounded_left=False)), float(pol), order))
        for order, (phrase, pol) in enumerate(domain["phrases"].items())
    )
    return words, index


def _phrase_matches(
    clause: str, index: CueIndex, cands: list | None = None
) -> list[tuple[int, int, float]]:
    """Non-overlapping idiom matches, leftmost first, earlier-listed idioms winning ties."""
    found = []
    if cands is None:
        cands = _unique(index.candidates(clause))
    for regex, pol, order in cands:
        for m in regex.finditer(clause):
            if starts_word(clause, m.start()):
                found.append((m.start(), order, m.end(), pol))
    found.sort()
    out, last_end = [], -1
    for start, _, end, pol in found:
        if start >= last_end:
            out.append((start, end, pol))
            last_end = end
    return out


def _unique(entries) -> list:
    """Idiom entries without repeats (a cue found by two anchor words runs once)."""
    return list({e[2]: e for e in entries}.values())


def _score_phrases(
    clause: str, index: CueIndex, cands: list | None = None
) -> tuple[float, float, str]:
    """Idioms scored as units; returns their weight and the clause with them blanked."""
    pos = neg = 0.0
    matches = _phrase_matches(clause, index, cands)
    if not matches:
        return pos, neg, clause
    chars = list(clause)
    for start, end, pol in matches:
        if pol > 0:
            pos += pol
        else:
            neg -= pol
        chars[start:end] = " " * (end - start)
    return pos, neg, "".join(chars)


def _score_clause(
    clause: str, words: dict[str, float], index: CueIndex, cands: list | None = None
) -> tuple[float, float]:
    """Positive and negative opinion weight in one (lower-cased) clause.

    The two sides are kept apart so that praise and complaint in one clause
    ("the school are great, the council useless") do not cancel to neutral.
    A negation that finds no opinion word to flip ("they aren't replacing
    her", "still haven't had one") is itself a mild complaint.
    """
    pos, neg, clause = _score_phrases(clause, index, cands)
    negate_left = 0
    boost = 1.0
    for tok in _TOKEN_RE.findall(clause):
        if tok in NEGATORS or tok.endswith("n't"):
            negate_left = 3
            continue
        if tok in INTENSIFIERS:
            boost *= INTENSIFIERS[tok]
            continue
        pol = words.get(tok)
        if pol:
            if negate_left:
                # "not great" is lukewarm rather than terrible; "not bad" is faint praise.
                pol = -pol * 0.6 if pol > 0 else -pol * 0.4
                negate_left = 0
            pol = max(-1.0, min(1.0, pol * boost))
            if pol > 0:
                pos += pol
            else:
                neg -= pol
            boost = 1.0
        elif tok == "!":
            pos *= 1.2
            neg *= 1.2
        elif negate_left:
            negate_left -= 1
            if not negate_left:
                neg += DANGLING_NEGATION
    return pos, neg


def _clauses(text: str):
    """Clauses of ``text`` with whether each follows a contrastive word."""
    last, contrast = 0, False
    for m in CLAUSE_SPLIT_RE.finditer(text):
        if m.start() > last and text[last : m.start()].strip():
            yield contrast, text[last : m.start()]
        contrast = bool(_CONTRAST_RE.search(m.group(0)))
        last = m.end()
    if text[last:].strip():
        yield contrast, text[last:]


def _clean(text: str) -> str:
    """Lower-case, blank scare-quoted words and recast sarcastic openings."""
    low = normalise(text)
    low = _QUOTED_RE.sub(lambda m: " " * len(m.group(0)), low)
    return low


def score_sentiment(text: str) -> Sentiment:
    """Label one comment positive, negative, mixed or neutral.

    Parameters
    ----------
    text : str
        The comment as written (case matters only for detecting shouting).

    Returns
    -------
    Sentiment
        ``label`` and ``polarity`` (positive minus negative weight, squashed
        into [-1, 1]; mixed comments sit near zero, like neutral ones, so use
        the label to tell them apart).

    Examples
    --------
    >>> score_sentiment("Great, another 40 weeks on the waiting list.").label
    'negative'
    >>> score_sentiment("My TA is sound").label
    'positive'
    >>> score_sentiment("School are brilliant but CAMHS have been useless.").label
    'mixed'
    """
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    words, index = _lexicon()
    low = _clean(text)
    pos = neg = 0.0
    opener = None if _SARCASM_OPEN_RE.match(low) else _SARCASTIC_OPENER_RE.match(low)
    rest = low[opener.end() :] if opener else low
    previous = 0.0
    # Idioms that may occur anywhere in the comment, looked up once for all clauses.
    cands = _unique(index.candidates(rest))
    for contrast, clause in _clauses(rest):
        sarcastic = _SARCASM_OPEN_RE.match(clause)
        if sarcastic:
            neg += 0.6
            clause = clause[sarcastic.end() :]
        c_pos, c_neg = _score_clause(clause, words, index, cands)
        if c_pos > c_neg and _IRONY_RE.search(clause):
            c_pos, c_neg = c_neg, c_pos
        if contrast and not (c_pos or c_neg) and previous > 0:
            # "The group is great but always in the daytime": after praise,
            # a contrast with no opinion word of its own is the complaint.
            c_neg = CONTRAST_WEIGHT
        previous = c_pos - c_neg
        pos += c_pos
        neg += c_neg
    if opener:
        # "Oh wonderful, the chair will take another nine months": praise
        # that opens a comment whose content is a complaint is sarcasm.
        if neg > pos:
            neg += 0.6
        else:
            pos += _score_clause(opener.group(0), words, index)[0]
    if _SHOUT_RE.search(text):
        neg += 0.3
    if _RHETORICAL_RE.search(low):
        neg += 0.3
    return Sentiment(_label(pos, neg), round(math.tanh(pos - neg), 3))


def _label(pos: float, neg: float) -> str:
    """Turn positive and negative weight into one of :data:`LABELS`."""
    if pos < NEUTRAL_BELOW and neg < NEUTRAL_BELOW:
        return "neutral"
    if (
        pos >= MIXED_AT_LEAST
        and neg >= MIXED_AT_LEAST
        and min(pos, neg) / max(pos, neg) >= MIXED_RATIO
    ):
        return "mixed"
    return "positive" if pos > neg else "negative"
