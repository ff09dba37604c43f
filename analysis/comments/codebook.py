"""The theme codebook as plain, versionable data.

Officers and forum members edit the codebook (add, reword, merge or retire a
theme, each with its own cues), and the web app stores it in a database. So
the codebook here is frozen dataclasses that round-trip through plain dicts
(:func:`codebook_from_dict` / :func:`codebook_to_dict`); every edit returns a
new :class:`Codebook` with ``version`` bumped, leaving the old one intact for
the audit trail.

Cue syntax (lower case, matched against the lower-cased comment):

- ``word``: the whole word; ``word*``: any word starting with ``word``;
- ``(a|b c)``: alternatives, ``(x )?``: optional, ``[- ]``: a character class;
- ``#``: a number in digits or words; ``..``: a gap of up to three words;
- a space matches any run of spaces or punctuation;
- ``re:...``: a raw regular expression, for lookarounds ("forum" but not
  "youth forum").

Cues in ``weak_cues`` count half: a passing mention ("my son has an EHCP")
only makes a theme when something else corroborates it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from analysis.comments.text import data_path

DEFAULT_CODEBOOK_FILE = "comments_codebook.json"
STRONG = 1.0
WEAK = 0.5


@dataclass(frozen=True)
class Cue:
    """One phrase pattern that signals a theme, with its weight."""

    phrase: str
    weight: float = STRONG


@dataclass(frozen=True)
class Theme:
    """A codebook theme: stable key, wording shown to people, and cues."""

    key: str
    label: str
    description: str = ""
    cues: tuple[Cue, ...] = ()
    retired: bool = False


@dataclass(frozen=True)
class Codebook:
    """An ordered set of themes plus question priors, at a version."""

    themes: tuple[Theme, ...]
    version: int = 1
    question_themes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        keys = [t.key for t in self.themes]
        if len(keys) != len(set(keys)):
            raise ValueError("theme keys must be unique")

    @property
    def active(self) -> tuple[Theme, ...]:
        """Themes still in use (retired ones stay for history)."""
        return tuple(t for t in self.themes if not t.retired)

    def theme(self, key: str) -> Theme:
        """Return the theme called ``key``; ``ValueError`` if there is none."""
        for t in self.themes:
            if t.key == key:
                return t
        raise ValueError(f"no theme {key!r} in codebook version {self.version}")


def _cue_from_plain(item: Any, default_weight: float) -> Cue:
    if isinstance(item, str):
        return Cue(item, default_weight)
    if isinstance(item, dict) and "phrase" in item:
        return Cue(str(item["phrase"]), float(item.get("weight", default_weight)))
    raise ValueError(f"a cue must be a string or a dict with 'phrase', got {item!r}")


def theme_from_dict(data: dict) -> Theme:
    """Build a :class:`Theme` from a plain dict (as stored or edited).

    Accepts ``cues`` as strings or ``{"phrase", "weight"}`` dicts, and
    ``weak_cues`` as strings weighted :data:`WEAK`.

    Examples
    --------
    >>> t = theme_from_dict({"key": "transport", "label": "Travel", "cues": ["taxi*"]})
    >>> t.cues[0].weight
    1.0
    """
    if not isinstance(data, dict) or not data.get("key") or not data.get("label"):
        raise ValueError("a theme needs at least a 'key' and a 'label'")
    cues = [_cue_from_plain(c, STRONG) for c in data.get("cues", [])]
    cues += [_cue_from_plain(c, WEAK) for c in data.get("weak_cues", [])]
    return Theme(
        key=str(data["key"]),
        label=str(data["label"]),
        description=str(data.get("description", "")),
        cues=tuple(cues),
        retired=bool(data.get("retired", False)),
    )


def codebook_from_dict(data: dict) -> Codebook:
    """Build a :class:`Codebook` from plain data such as a JSON document."""
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise ValueError("a codebook needs a 'themes' list")
    priors = {str(q): tuple(keys) for q, keys in data.get("question_themes", {}).items()}
    return Codebook(
        themes=tuple(theme_from_dict(t) for t in data["themes"]),
        version=int(data.get("version", 1)),
        question_themes=priors,
    )


def codebook_to_dict(codebook: Codebook) -> dict:
    """Serialise ``codebook`` to plain JSON-ready data (inverse of from_dict)."""
    return {
        "version": codebook.version,
        "question_themes": {q: list(k) for q, k in codebook.question_themes.items()},
        "themes": [
            {
                "key": t.key,
                "label": t.label,
                "description": t.description,
                "retired": t.retired,
                "cues": [{"phrase": c.phrase, "weight": c.weight} for c in t.cues],
            }
            for t in codebook.themes
        ],
    }


@lru_cache(maxsize=1)
def default_codebook() -> Codebook:
    """The co-produced 15-theme codebook with our cue lexicon."""
    with data_path(DEFAULT_CODEBOOK_FILE).open(encoding="utf-8") as fh:
        return codebook_from_dict(json.load(fh))


def _bump(codebook: Codebook, themes) -> Codebook:
    return replace(codebook, themes=tuple(themes), version=codebook.version + 1)


def add_theme(codebook: Codebook, theme: Theme) -> Codebook:
    """Return a new version with ``theme`` appended."""
    if any(t.key == theme.key for t in codebook.themes):
        raise ValueError(f"theme {theme.key!r} already exists")
    return _bump(codebook, (*codebook.themes, theme))


def reword_theme(
    codebook: Codebook,
    key: str,
    *,
    label: str | None = None,
    description: str | None = None,
    cues: tuple[Cue, ...] | None = None,
) -> Codebook:
    """Return a new version with theme ``key`` relabelled or re-cued."""
    old = codebook.theme(key)
    new = replace(
        old,
        label=old.label if label is None else label,
        description=old.description if description is None else description,
        cues=old.cues if cues is None else tuple(cues),
    )
    return _bump(codebook, (new if t.key == key else t for t in codebook.themes))


def retire_theme(codebook: Codebook, key: str) -> Codebook:
    """Return a new version where ``key`` is retired (kept, but not coded)."""
    codebook.theme(key)
    return _bump(
        codebook, (replace(t, retired=True) if t.key == key else t for t in codebook.themes)
    )


def merge_themes(codebook: Codebook, source: str, target: str) -> Codebook:
    """Fold ``source`` into ``target``: target gains its cues, source retires.

    Examples
    --------
    >>> cb = merge_themes(default_codebook(), "peer_support_forum", "listened_to")
    >>> cb.theme("peer_support_forum").retired
    True
    """
    if source == target:
        raise ValueError("cannot merge a theme into itself")
    src, dst = codebook.theme(source), codebook.theme(target)
    seen = {c.phrase for c in dst.cues}
    merged = replace(dst, cues=dst.cues + tuple(c for c in src.cues if c.phrase not in seen))
    themes = []
    for t in codebook.themes:
        if t.key == source:
            t = replace(t, retired=True)
        elif t.key == target:
            t = merged
        themes.append(t)
    return _bump(codebook, themes)
