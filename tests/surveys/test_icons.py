"""Every easy-read symbol a definition names is drawn, self-contained and scalable.

A missing file would show a broken image beside a question a young person is
trying to read, so the check runs over every definition, not just young-person.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from surveys.loader import load_all

ICONS = Path(__file__).resolve().parents[2] / "static" / "icons"
SVG = "{http://www.w3.org/2000/svg}"


def _referenced() -> dict[str, str]:
    """Icon name -> the first place that uses it, for a helpful failure message."""
    found: dict[str, str] = {}
    for slug, d in load_all().items():
        for q in d.questions:
            places = [(q.icon, f"{slug}: {q.id}")]
            places += [(o.icon, f"{slug}: {q.id}.{o.code}") for o in q.options]
            for icon, where in places:
                if icon is not None:
                    found.setdefault(icon.name, where)
    return found


REFERENCED = _referenced()


def test_the_easy_read_survey_uses_symbols():
    assert {"face-happy", "face-sad", "question", "helping-hand"} <= set(REFERENCED)


@pytest.mark.parametrize("name", sorted(REFERENCED))
def test_every_referenced_icon_exists(name):
    assert (ICONS / f"{name}.svg").is_file(), f"{REFERENCED[name]} uses missing icon {name!r}"


@pytest.mark.parametrize("path", sorted(ICONS.glob("*.svg")), ids=lambda p: p.stem)
def test_icons_are_scalable_svg_with_no_external_references(path):
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", ""))
    assert not root.findall(f".//{SVG}script") and not root.findall(f".//{SVG}image")
    assert "href" not in text and "url(" not in text and "@import" not in text
