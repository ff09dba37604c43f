"""Multi-label theme coding with evidence.

Each theme's cues compile into one regular expression. A comment scores a
theme by summing the weights of the *distinct* phrases that matched, and the
theme is coded when the score reaches 1: one substantive cue, or two passing
mentions (weak cues) that corroborate each other. At most four themes are
kept, strongest first, and each carries the phrases that triggered it so a
reviewer can see why.

Corrections for what plain keyword matching gets wrong:

- *absence*: "we don't have an EHCP" or "not applicable" is not a comment
  about the EHCP process, so a cue right after a denial of possession is
  dropped;
- *idiom*: British idioms that contain a cue word ("take it with a pinch of
  salt") are blanked before matching;
- *typos*: unknown words one edit away from a cue word ("assesment",
  "tribunel") are read as that cue word;
- *question*: the survey question shapes what a short answer is about ("No,
  never" to "has communication improved?"), so the question's own theme gets a
  small boost, and a substantive answer with no cue gets that theme.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from analysis.comments.codebook import Codebook, default_codebook
from analysis.comments.text import CueIndex, cue_regex, known_words, normalise, starts_word

MAX_THEMES = 4
THRESHOLD = 1.0
QUESTION_BOOST = 0.5
LONG_WORDS = 40
LONG_EXTRA = 0.5
RELATIVE_CUT = 0.25

_ABSENCE_RE = re.compile(
    r"(?:\b(?:don't|dont|doesn't|doesnt|do not|does not|haven't|havent|hasn't|hasnt|have not|"
    r"has not|didn't|didnt|did not|never|not|no longer)\s+(?:have|has|had|got|get|need|needed|"
    r"applied for|apply for|use|used|got)\s+(?:an?\s+|any\s+)?|\bnot\s+(?:on|in)\s+(?:an?\s+)?)$"
)
_NON_ANSWER_RE = re.compile(
    r"^\W*(?:n/?a|not applicable|none|nothing|no|nope|nah|yes|yeah|idk|i don't know|dont know|"
    r"don't know|not sure|see above|as above|no comment|nothing to add|ok|okay|fine)\W*$"
)
_NOT_APPLICABLE_RE = re.compile(r"^\W*(?:n/?a|not applicable)\b")

# Idioms whose words would otherwise look like cues; blanked with spaces so
# offsets do not move.
_IDIOMS_RE = re.compile(
    r"\b(?:pinch of salt|worth (?:its|their) salt|salt in the wound|fight or flight|"
    r"train of thought|on the right track|back to school|school of thought|old school|"
    r"on the same page|fighting fit|fight back tears|(?:at|by) the end of the day|"
    r"in the long run|long story short|cut a long story short)\b"
)


@dataclass(frozen=True)
class ThemeHit:
    """A theme coded for a comment, its score and the evidence phrases."""

    key: str
    score: float
    evidence: tuple[str, ...]


class ThemeCoder:
    """Compiled matcher for one codebook version.

    Build once and reuse: compiling the cue expressions is the slow part.

    Examples
    --------
    >>> coder = ThemeCoder(default_codebook())
    >>> [h.key for h in coder.code("The taxi to school is always late")]
    ['transport']
    """

    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        # Cues run only when one of their anchor words is in the comment (a
        # necessary condition, so results are unchanged); see CueIndex. This
        # is what makes 3,000+ comments a second possible in pure Python.
        self._order: list[str] = []
        self._keys = [t.key for t in codebook.active]
        cue_words: set[str] = set()
        items = []
        for theme in codebook.active:
            for cue in theme.cues:
                try:
                    regex = re.compile(cue_regex(cue.phrase, bounded_left=False))
                except re.error as exc:
                    raise ValueError(f"bad cue {cue.phrase!r} in {theme.key}: {exc}") from exc
                items.append((cue.phrase, (theme.key, regex, cue.weight, len(self._order))))
                self._order.append(cue.phrase)
                cue_words.update(w for w in re.findall(r"[a-z]{6,}", cue.phrase) if "*" not in w)
        self._index = CueIndex(items)
        self._typo_index = _deletion_index(cue_words)
        self._known = known_words() | cue_words
        self._typo_cache: dict[str, str | None] = {}

    def _fix_typos(self, low: str) -> tuple[str, list[tuple[int, int]]]:
        """Rewrite unknown tokens one edit from a cue word ("assesment").

        Returns the corrected text and anchors ``(new_offset, old_offset)``
        so evidence can still be cut from the original comment.
        """
        pieces, anchors, last, shift = [], [(0, 0)], 0, 0
        for m in re.finditer(r"[a-z]{6,}", low):
            tok = m.group(0)
            if tok in self._known:
                continue
            if tok not in self._typo_cache:
                self._typo_cache[tok] = _correct(tok, self._typo_index)
            fixed = self._typo_cache[tok]
            if fixed is None:
                continue
            pieces.append(low[last : m.start()])
            pieces.append(fixed)
            last = m.end()
            shift += len(fixed) - len(tok)
            anchors.append((m.end() + shift, m.end()))
        if not pieces:
            return low, anchors
        pieces.append(low[last:])
        return "".join(pieces), anchors

    def _candidates(self, low: str):
        """Cue entries whose anchor word occurs in ``low``, plus unanchored ones."""
        return {entry[3]: entry for entry in self._index.candidates(low)}.values()

    def _matched_phrases(self, text: str, low: str, anchors) -> dict[str, dict[str, float]]:
        """Per theme, the distinct phrases matched and their best weight."""
        spans: dict[str, list] = {key: [] for key in self._keys}
        for key, regex, weight, order in self._candidates(low):
            for m in regex.finditer(low):
                if not starts_word(low, m.start()):
                    continue
                if not _ABSENCE_RE.search(low, max(0, m.start() - 40), m.start()):
                    spans[key].append((m.start(), order, m.end(), weight))
        found: dict[str, dict[str, float]] = {}
        for key, theme_spans in spans.items():
            # Overlapping cue matches are one mention: scan left to right,
            # earlier cues first, as a single alternation would.
            cues: dict[str, float] = {}
            last_end = -1
            for start, _, end, weight in sorted(theme_spans):
                if start < last_end:
                    continue
                last_end = end
                k = text[_back(anchors, start) : _back(anchors, end)].lower()
                cues[k] = max(cues.get(k, 0.0), weight)
            found[key] = cues
        return found

    def code(
        self,
        text: str,
        question: str | None = None,
        respondent: str | None = None,
        masked: Iterable[tuple[int, int]] = (),
    ) -> list[ThemeHit]:
        """Code ``text`` with up to four themes.

        Parameters
        ----------
        text : str
            The comment, as written.
        question : str, optional
            The survey question answered (``"4/1"``..``"4/6"`` or
            ``"general"``); unknown or missing questions add no prior.
        respondent : str, optional
            ``"parent_carer"`` or ``"young_person"``; accepted for future
            per-audience cues, currently unused by the rules.
        masked : iterable of (start, end), optional
            Character spans to ignore, such as people's names found by
            redaction, so that "Dr Price" is not read as a funding cue.

        Returns
        -------
        list of ThemeHit
            Strongest first; empty for off-topic or non-answers.
        """
        if not isinstance(text, str):
            raise ValueError("text must be a string")
        low = normalise(text)
        hidden_words = 0
        for start, end in masked:
            hidden_words += len(low[start:end].split())
            low = low[:start] + " " * (end - start) + low[end:]
        if _NON_ANSWER_RE.match(low) or _NOT_APPLICABLE_RE.match(low):
            return []
        low = _IDIOMS_RE.sub(lambda m: " " * len(m.group(0)), low)
        low, anchors = self._fix_typos(low)
        priors = self.codebook.question_themes.get(question or "", ())
        # Long comments mention many services in passing; ask more of them.
        n_words = len(low.split()) + hidden_words
        threshold = THRESHOLD + (LONG_EXTRA if n_words > LONG_WORDS else 0.0)
        found = self._matched_phrases(text, low, anchors)
        hits = []
        for key in self._keys:
            cues = found[key]
            score = sum(cues.values())
            if score and key in priors:
                score += QUESTION_BOOST
            if score >= threshold:
                ev = tuple(sorted(cues, key=lambda p, c=cues: (-c[p], low.find(p))))
                hits.append(ThemeHit(key, round(score, 2), ev))
        if hits:
            top = max(h.score for h in hits)
            hits = [h for h in hits if h.score >= RELATIVE_CUT * top]
        if not hits and priors and n_words >= 3:
            hits = [ThemeHit(priors[0], QUESTION_BOOST, (f"answer to question {question}",))]
        hits.sort(key=lambda h: -h.score)
        return hits[:MAX_THEMES]


def _back(anchors: list[tuple[int, int]], pos: int) -> int:
    """Map an offset in typo-corrected text back to the original text."""
    new, old = anchors[0]
    for a_new, a_old in anchors:
        if a_new > pos:
            break
        new, old = a_new, a_old
    return old + (pos - new)


def _deletion_index(vocab) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for word in vocab:
        for variant in {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}:
            index.setdefault(variant, set()).add(word)
    return index


def _correct(token: str, index: dict[str, set[str]]) -> str | None:
    """Cue word one edit away from ``token`` (symmetric delete), if unique."""
    candidates: set[str] = set(index.get(token, ()))
    for i in range(len(token)):
        candidates |= index.get(token[:i] + token[i + 1 :], set())
    candidates.discard(token)
    return next(iter(candidates)) if len(candidates) == 1 else None


@lru_cache(maxsize=1)
def default_coder() -> ThemeCoder:
    """A :class:`ThemeCoder` for the default codebook, built once."""
    return ThemeCoder(default_codebook())


def code_themes(
    text: str,
    question: str | None = None,
    respondent: str | None = None,
    codebook: Codebook | None = None,
) -> list[ThemeHit]:
    """Code one comment; see :meth:`ThemeCoder.code`.

    Examples
    --------
    >>> [h.key for h in code_themes("Still waiting for the CAMHS appointment")]
    ['waiting_times', 'health_services']
    """
    coder = default_coder() if codebook is None else ThemeCoder(codebook)
    return coder.code(text, question, respondent)
