"""Text helpers shared by theme coding, sentiment and redaction.

Everything here works on plain strings and keeps character offsets stable:
normalisation only ever swaps one character for another of the same length,
so a match found in the normalised text points at the same span of the
original comment (redaction depends on that).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

# Curly quotes and dashes become their ASCII twins, one character for one.
_SAME_LENGTH = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)

WORD_RE = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?", re.IGNORECASE)

# Clause boundaries: sentence ends, semicolons and contrastive conjunctions.
# Mixed comments ("school are great, CAMHS are useless") are only visible at
# this level, so sentiment is scored clause by clause.
CLAUSE_SPLIT_RE = re.compile(
    r"(?:[.!?;]+(?:\s+|$)|\n+|,?\s+\b(?:but|however|although|though|whereas|except|"
    r"on the other hand|apart from|other than that|meanwhile|yet)\b,?\s*)",
    re.IGNORECASE,
)

NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    "fifteen|sixteen|eighteen|twenty|thirty|forty|fifty|sixty"
)


def normalise(text: str) -> str:
    """Lower-case ``text`` and straighten quotes without changing its length.

    Examples
    --------
    >>> normalise("Mum\u2019s SENCO")
    "mum's senco"
    """
    return text.translate(_SAME_LENGTH).lower()


def words(text: str) -> list[str]:
    """Return the lower-cased word tokens of ``text`` (apostrophes kept)."""
    return [w.lower() for w in WORD_RE.findall(text.translate(_SAME_LENGTH))]


def clauses(text: str) -> list[str]:
    """Split ``text`` into clauses at sentence ends and contrastive words."""
    return [c for c in CLAUSE_SPLIT_RE.split(text) if c and c.strip()]


def data_path(name: str) -> Path:
    """Path of a data file shipped in ``analysis/data``."""
    return Path(str(resources.files("analysis") / "data" / name))


def read_word_list(name: str) -> frozenset[str]:
    """Read a one-word-a-line data file, skipping ``#`` comments and blanks."""
    with data_path(name).open(encoding="utf-8") as fh:
        return frozenset(
            line.strip().lower() for line in fh if line.strip() and not line.startswith("#")
        )


def _textblob_file(name: str) -> Path:
    import textblob

    return Path(textblob.__file__).parent / "en" / name


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words: TextBlob's bundled tagging lexicon minus proper nouns.

    Used to decide whether a capitalised word is an ordinary word rather than
    a name. The file ships inside the textblob wheel, so no corpus download
    is needed.
    """
    known: set[str] = set()
    with _textblob_file("en-lexicon.txt").open(encoding="utf-8") as fh:
        for line in fh:
            token, _, tag = line.strip().partition(" ")
            if token and not tag.startswith("NNP"):
                known.add(token.lower())
    return frozenset(known)


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every spelling TextBlob knows (lexicon plus spelling list), for typo checks."""
    known = set(english_words())
    with _textblob_file("en-spelling.txt").open(encoding="utf-8") as fh:
        for line in fh:
            if line and not line.startswith(";"):
                known.add(line.split(" ", 1)[0].lower())
    return frozenset(known)


def cue_regex(phrase: str, bounded_left: bool = True) -> str:
    """Translate the cue language (see ``analysis.comments.codebook``) to a regex.

    With ``bounded_left=False`` the leading word-boundary check is left out
    (callers then test :func:`starts_word` on each match): a pattern that
    opens with a literal lets the regex engine skip ahead to that literal,
    which is many times faster than testing a lookbehind at every position.

    Examples
    --------
    >>> import re
    >>> bool(re.search(cue_regex("wait* .. (#|ages)"), "waited nearly two years"))
    True
    """
    if phrase.startswith("re:"):
        return (r"(?<![\w])" if bounded_left else "") + "(?:" + phrase[3:] + r")(?![\w])"
    out = []
    i = 0
    in_class = False
    p = phrase.strip().lower()
    while i < len(p):
        ch = p[i]
        if in_class or ch == "[":
            in_class = ch != "]"
            out.append(ch)
            i += 1
            continue
        if p.startswith(" .. ", i):
            out.append(r"(?:\W+[\w']+){0,3}\W+")
            i += 4
            continue
        if ch == " ":
            out.append(r"[\W_]+")
        elif ch == "*":
            out.append(r"[\w']*")
        elif ch == "#":
            out.append(rf"(?:\d+(?:\.\d+)?|{NUMBER_WORDS}|a few|a couple of)")
        elif ch == "(":
            out.append("(?:")
        elif ch in ")|?\\":
            out.append(ch)
            if ch == "\\" and i + 1 < len(p):
                out.append(p[i + 1])
                i += 1
        else:
            out.append(re.escape(ch))
        i += 1
    return (r"(?<![\w])" if bounded_left else "") + "".join(out) + r"(?![\w])"


def starts_word(text: str, i: int) -> bool:
    """True when position ``i`` of ``text`` is not preceded by a word character."""
    if i == 0:
        return True
    ch = text[i - 1]
    return not (ch.isalnum() or ch == "_")


_PLAIN_WORD_RE = re.compile(r"[a-z0-9']+\*?")


def _split_top(phrase: str, sep: str) -> list[str] | None:
    """Split ``phrase`` at ``sep`` outside brackets; None when brackets do not balance."""
    parts, depth, last, in_class = [], 0, 0, False
    for i, ch in enumerate(phrase):
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == sep and depth == 0:
            parts.append(phrase[last:i])
            last = i + 1
    if depth or in_class:
        return None
    parts.append(phrase[last:])
    return parts


_COMMON_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "i",
        "to",
        "of",
        "and",
        "in",
        "is",
        "it",
        "my",
        "me",
        "we",
        "he",
        "she",
        "not",
        "no",
        "for",
        "on",
        "at",
        "be",
        "was",
        "has",
        "have",
        "had",
        "they",
        "them",
        "us",
        "our",
        "his",
        "her",
        "so",
        "that",
    }
)
_HYPHENATED_RE = re.compile(r"([a-z0-9']+)(?:-[a-z0-9']+)+\*?")


def _plain_anchor(element: str) -> str | None:
    """The anchor word of a plain cue word ("parents'" -> "parents", "no-one" -> "no")."""
    if _PLAIN_WORD_RE.fullmatch(element):
        word = element.strip("'")
        return word if word.rstrip("*") else None
    hyphen = _HYPHENATED_RE.fullmatch(element)
    return hyphen.group(1).strip("'") or None if hyphen else None


def cue_anchors(phrase: str) -> frozenset[str] | None:
    """Words of which at least one must occur in any text the cue matches.

    A plain word is matched whole; ``word*`` stands for any word starting
    with ``word``. Returns None when no such set can be read off the cue
    (raw ``re:`` cues, cues made only of numbers or optional parts): those
    cues always run.

    Examples
    --------
    >>> sorted(cue_anchors("(still|been) waiting"))
    ['waiting']
    >>> sorted(cue_anchors("(another|a further) (#|few) weeks"))
    ['weeks']
    >>> sorted(cue_anchors("(nobody|no one) (told|rang)"))
    ['rang', 'told']
    """
    if phrase.startswith("re:"):
        return None
    phrase = phrase.strip().lower()
    branches = _split_top(phrase, "|")
    if branches is None:
        return None
    if len(branches) > 1:
        return _union([cue_anchors(b) for b in branches])
    elements = _split_top(phrase, " ")
    if elements is None:
        return None
    options: list[frozenset[str]] = []
    for el in elements:
        word = _plain_anchor(el)
        if word:
            options.append(frozenset({word}))
        elif el.startswith("(") and el.endswith(")"):
            inner = _split_top(el[1:-1], "|")
            if inner is not None:
                group = _union([cue_anchors(o) for o in inner])
                if group:
                    options.append(group)
    if not options:
        return None
    # Prefer the most selective requirement: few anchors, none of them common.
    return min(options, key=lambda o: (bool(o & _COMMON_WORDS), len(o)))


def _union(sets) -> frozenset[str] | None:
    out: set[str] = set()
    for s in sets:
        if not s:
            return None
        out |= s
    return frozenset(out)


class CueIndex:
    """Find which of many cue phrases could match a text, by anchor-word lookup.

    Running a few hundred regular expressions over every comment is the slow
    part of coding; most cues need a particular word, so index them by it
    and run only those whose word is present (a necessary condition, so the
    matches found are unchanged). Cues without an anchor always run.
    """

    _TOKENS_RE = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")

    def __init__(self, items):
        self.always: list = []
        self.exact: dict[str, list] = {}
        self.prefix: dict[str, list] = {}
        self._prefix_lengths: set[int] = set()
        for phrase, payload in items:
            anchors = cue_anchors(phrase)
            if anchors is None:
                self.always.append(payload)
                continue
            for anchor in anchors:
                if anchor.endswith("*"):
                    self.prefix.setdefault(anchor[:-1], []).append(payload)
                    self._prefix_lengths.add(len(anchor) - 1)
                else:
                    self.exact.setdefault(anchor, []).append(payload)
        self._lengths = sorted(self._prefix_lengths)

    def tokens(self, low: str) -> set[str]:
        """Word tokens of lower-cased text, with and without apostrophe parts."""
        found = set(self._TOKENS_RE.findall(low))
        for tok in [t for t in found if "'" in t]:
            found.update(tok.split("'"))
        return found

    def candidates(self, low: str, tokens: set[str] | None = None) -> list:
        """Payloads of cues that may match ``low`` (each at most once, in index order)."""
        if tokens is None:
            tokens = self.tokens(low)
        out = list(self.always)
        exact, prefix = self.exact, self.prefix
        for tok in tokens:
            hit = exact.get(tok)
            if hit:
                out.extend(hit)
            for n in self._lengths:
                if n > len(tok):
                    break
                hit = prefix.get(tok[:n])
                if hit:
                    out.extend(hit)
        return out
