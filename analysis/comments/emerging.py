"""Candidate new themes: frequent noun phrases among uncoded comments.

The issue asks for TextBlob noun phrases. TextBlob's two noun-phrase
extractors both need NLTK corpora (``brown`` for ``FastNPExtractor``,
``conll2000`` for ``ConllExtractor``) that are downloaded at run time from
GitHub, which this deployment cannot reach, and no PyPI package ships them.
TextBlob's ``PatternTagger`` however runs offline from the lexicon inside the
wheel, so we tag with it and chunk noun phrases ourselves with a small
grammar: optional adjectives, then nouns, ending in a noun (``JJ* NN+``).
That is what FastNPExtractor does in spirit, deterministic and offline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_STOP = frozenset(
    {
        "thing",
        "things",
        "lot",
        "lots",
        "time",
        "times",
        "way",
        "bit",
        "kind",
        "sort",
        "one",
        "people",
        "year",
        "years",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "child",
        "children",
        "son",
        "daughter",
        "kids",
        "kid",
        "mum",
        "dad",
        "parent",
        "parents",
        "survey",
        "question",
        "questions",
        "nothing",
        "anything",
        "something",
        "everything",
        "n/a",
        "idk",
    }
)
_NOUN_TAGS = ("NN", "NNS", "NNP", "NNPS")
_ADJ_TAGS = ("JJ", "JJR", "JJS", "VBN")


@lru_cache(maxsize=1)
def _tagger():
    """PatternTagger with its lexicon loaded now.

    TextBlob reads the lexicon lazily through a helper that never closes the
    file; loading it here, with that one ResourceWarning silenced, keeps the
    leak out of callers' warning filters.
    """
    import gc
    import warnings

    from textblob.en.taggers import PatternTagger

    tagger = PatternTagger()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        tagger.tag("warm up")
        gc.collect()
    return tagger


def noun_phrases(text: str) -> list[str]:
    """Lower-cased noun phrases of ``text`` (``JJ* NN+`` chunks).

    Single generic nouns ("time", "people") are dropped; multi-word phrases
    are kept even when they contain one.

    Examples
    --------
    >>> noun_phrases("The council tax is too high for the bins we get")
    ['council tax', 'bins']
    """
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    phrases, current, has_noun = [], [], False

    def flush():
        nonlocal current, has_noun
        while current and current[-1][1] not in _NOUN_TAGS:
            current.pop()
        words = [w.lower() for w, _ in current]
        if (
            words
            and has_noun
            and (len(words) > 1 or words[0] not in _STOP)
            and all(w.isalpha() or "-" in w for w in words)
        ):
            phrases.append(" ".join(words))
        current, has_noun = [], False

    for word, tag in _tagger().tag(text):
        if (
            tag in _NOUN_TAGS
            or (tag in _ADJ_TAGS and not has_noun)
            or (tag == "VBG" and not current)
        ):
            current.append((word, tag))
            has_noun = has_noun or tag in _NOUN_TAGS
        else:
            flush()
    flush()
    return phrases


def emerging_themes(comments: Iterable[dict], min_count: int = 3, top: int = 20) -> list[dict]:
    """Frequent noun phrases among comments that got no theme.

    Parameters
    ----------
    comments : iterable of dict
        Each with ``text`` (use redacted text so names never surface) and
        ``themes``; comments with any theme are skipped.
    min_count : int, default 3
        A phrase must appear in at least this many distinct comments.
    top : int, default 20
        How many candidates to return.

    Returns
    -------
    list of dict
        ``{"phrase", "comments", "examples"}`` (up to three comment ids),
        most frequent first, ties alphabetical.
    """
    if min_count < 1:
        raise ValueError("min_count must be at least 1")
    counts: Counter[str] = Counter()
    examples: dict[str, list] = {}
    for i, comment in enumerate(comments):
        if comment.get("themes"):
            continue
        for phrase in set(noun_phrases(comment.get("text", ""))):
            counts[phrase] += 1
            examples.setdefault(phrase, []).append(comment.get("id", i))
    ranked = sorted((p for p, c in counts.items() if c >= min_count), key=lambda p: (-counts[p], p))
    return [{"phrase": p, "comments": counts[p], "examples": examples[p][:3]} for p in ranked[:top]]
