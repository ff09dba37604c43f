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
_SAME_LENGTH = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                              "\u2013": "-", "\u2014": "-", "\u00a0": " "})

WORD_RE = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?", re.IGNORECASE)

# Clause boundaries: sentence ends, semicolons and contrastive conjunctions.
# Mixed comments ("school are great, CAMHS are useless") are only visible at
# this level, so sentiment is scored clause by clause.
CLAUSE_SPLIT_RE = re.compile(
    r"(?:[.!?;]+(?:\s+|$)|\n+|,?\s+\b(?:but|however|although|though|whereas|except|"
    r"on the other hand|apart from|other than that|meanwhile|yet)\b,?\s*)",
    re.IGNORECASE,
)

NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                "fifteen|sixteen|eighteen|twenty|thirty|forty|fifty|sixty")


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


def cue_regex(phrase: str) -> str:
    """Translate the cue language (see ``analysis.comments.codebook``) to a regex.

    Examples
    --------
    >>> import re
    >>> bool(re.search(cue_regex("wait* .. (#|ages)"), "waited nearly two years"))
    True
    """
    if phrase.startswith("re:"):
        return r"(?<![\w])(?:" + phrase[3:] + r")(?![\w])"
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
    return r"(?<![\w])" + "".join(out) + r"(?![\w])"
