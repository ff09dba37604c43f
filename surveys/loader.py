"""Read survey definitions from YAML and check them against schema version 1.

Every problem is reported with the file and the field path
(``parent-carer-annual.yaml: questions[4].options[2].code: required``), all at
once, because the people who edit these files are co-producing wording, not
debugging Python.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from surveys.kpis import KPIS, RESPONDENT_TYPES
from surveys.schema import (
    MAX_TEXT_LIMIT,
    QUESTION_TYPES,
    SCHEMA_VERSION,
    SEGMENTS,
    Comment,
    Icon,
    Option,
    Question,
    Section,
    SurveyDefinition,
)

DEFINITIONS_DIR = Path(__file__).with_name("definitions")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


class DefinitionError(ValueError):
    """A definition file does not match the schema; ``problems`` lists each one."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


class _Checker:
    """Collects problems while converting plain data into schema objects."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def get(
        self, data: dict, key: str, path: str, kind: type | tuple, *, required=True, default=None
    ):
        if not isinstance(data, dict):
            self.fail(path, "must be a mapping")
            return default
        if key not in data or data[key] is None:
            if required:
                self.fail(f"{path}.{key}".lstrip("."), "required")
            return default
        value = data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(f"{path}.{key}".lstrip("."), f"must be {_kind_name(kind)}")
            return default
        return value

    def unknown_keys(self, data: Any, allowed: set[str], path: str) -> None:
        if isinstance(data, dict):
            for key in sorted(set(data) - allowed):
                self.fail(f"{path}.{key}".lstrip("."), "unknown field")


def _kind_name(kind: type | tuple) -> str:
    names = {
        str: "text",
        int: "a whole number",
        bool: "true or false",
        list: "a list",
        dict: "a mapping",
    }
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _paragraphs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value or ())


def _icon(c: _Checker, data: Any, path: str) -> Icon | None:
    if data is None:
        return None
    c.unknown_keys(data, {"name", "alt"}, path)
    return Icon(
        c.get(data, "name", path, str, default=""), c.get(data, "alt", path, str, default="")
    )


def _option(c: _Checker, data: Any, path: str) -> Option:
    c.unknown_keys(data, {"code", "label", "hint", "maps_to", "icon", "exclusive"}, path)
    code = c.get(data, "code", path, str, default="")
    if code and not _ID.match(code):
        c.fail(
            f"{path}.code", "use lower-case letters, digits and underscores, starting with a letter"
        )
    return Option(
        code=code,
        label=c.get(data, "label", path, str, default=""),
        hint=c.get(data, "hint", path, str, required=False),
        maps_to=c.get(data, "maps_to", path, str, required=False),
        icon=_icon(c, data.get("icon") if isinstance(data, dict) else None, f"{path}.icon"),
        exclusive=c.get(data, "exclusive", path, bool, required=False, default=False),
    )


_QUESTION_KEYS = {
    "id",
    "type",
    "text",
    "hint",
    "required",
    "options",
    "kpi",
    "positive",
    "excluded",
    "comment",
    "max_length",
    "segment",
    "icon",
}


def _question(c: _Checker, data: Any, path: str, section: str) -> Question:
    c.unknown_keys(data, _QUESTION_KEYS, path)
    qid = c.get(data, "id", path, str, default="")
    if qid and not _ID.match(qid):
        c.fail(
            f"{path}.id", "use lower-case letters, digits and underscores, starting with a letter"
        )
    qtype = c.get(data, "type", path, str, default="choice")
    if qtype not in QUESTION_TYPES:
        c.fail(f"{path}.type", f"must be one of {', '.join(QUESTION_TYPES)}")
    raw_options = c.get(data, "options", path, list, required=qtype != "text", default=[])
    options = tuple(_option(c, o, f"{path}.options[{i}]") for i, o in enumerate(raw_options))
    codes = [o.code for o in options]
    for dup in sorted({x for x in codes if codes.count(x) > 1}):
        c.fail(f"{path}.options", f"option code {dup!r} is used twice")
    if qtype == "text" and options:
        c.fail(f"{path}.options", "a text question has no options")

    kpi, positive, excluded = _kpi_fields(c, data, path, qtype, codes)
    comment = _comment(
        c, data.get("comment") if isinstance(data, dict) else None, f"{path}.comment"
    )
    segment = c.get(data, "segment", path, str, required=False)
    if segment is not None and segment not in SEGMENTS:
        c.fail(f"{path}.segment", f"must be one of {', '.join(SEGMENTS)}")
    if segment == "respondent_type":
        for i, o in enumerate(options):
            if o.maps_to not in RESPONDENT_TYPES:
                c.fail(
                    f"{path}.options[{i}].maps_to", f"must be one of {', '.join(RESPONDENT_TYPES)}"
                )
    return Question(
        id=qid,
        type=qtype,  # type: ignore[arg-type]
        text=c.get(data, "text", path, str, default=""),
        section=section,
        hint=c.get(data, "hint", path, str, required=False),
        required=c.get(data, "required", path, bool, required=False, default=True),
        options=options,
        kpi=kpi,
        positive=positive,
        excluded=excluded,
        comment=comment,
        max_length=_limit(c, data, path),
        segment=segment,
        icon=_icon(c, data.get("icon") if isinstance(data, dict) else None, f"{path}.icon"),
    )


def _kpi_fields(c: _Checker, data: Any, path: str, qtype: str, codes: list[str]):
    """The KPI code and its positive and excluded options, checked against each other."""
    kpi = c.get(data, "kpi", path, str, required=False)
    positive = tuple(c.get(data, "positive", path, list, required=False, default=[]))
    excluded = tuple(c.get(data, "excluded", path, list, required=False, default=[]))
    if kpi is not None:
        if kpi not in KPIS:
            c.fail(f"{path}.kpi", f"unknown KPI {kpi!r}; known: {', '.join(KPIS)}")
        if qtype != "choice":
            c.fail(f"{path}.type", "a KPI question must be a single choice")
        if not positive:
            c.fail(f"{path}.positive", "a KPI question must say which options count as positive")
    elif positive or excluded:
        c.fail(f"{path}.positive", "only a KPI question has positive or excluded options")
    for name, group in (("positive", positive), ("excluded", excluded)):
        for code in group:
            if code not in codes:
                c.fail(f"{path}.{name}", f"{code!r} is not one of the options")
    for code in set(positive) & set(excluded):
        c.fail(f"{path}.excluded", f"{code!r} cannot be both positive and excluded")
    return kpi, positive, excluded


def _comment(c: _Checker, raw: Any, path: str) -> Comment | None:
    if raw is None:
        return None
    c.unknown_keys(raw, {"label", "hint", "max_length"}, path)
    return Comment(
        label=c.get(raw, "label", path, str, default=""),
        hint=c.get(raw, "hint", path, str, required=False),
        max_length=_limit(c, raw, path),
    )


def _limit(c: _Checker, data: Any, path: str) -> int:
    limit = c.get(data, "max_length", path, int, required=False, default=2000)
    if not 1 <= limit <= MAX_TEXT_LIMIT:
        c.fail(f"{path}.max_length", f"must be between 1 and {MAX_TEXT_LIMIT}")
    return limit


_TOP_KEYS = {
    "schema",
    "slug",
    "version",
    "title",
    "audience",
    "summary",
    "time_to_complete",
    "intro",
    "privacy",
    "sections",
    "easy_read",
    "respondent_type",
    "population",
}


def parse_stored_definition(data: Any, source: str = "<definition>") -> SurveyDefinition:
    """:func:`parse_definition` for a stored definition, remembered by its content.

    Every respondent page and every results page needs its survey's parsed
    definition; parsing takes about ten times as long as serialising the data,
    so the parsed (frozen, shareable) definition is kept per exact content. A
    draft edited in place has new content and is parsed afresh.

    :raise DefinitionError: as :func:`parse_definition` (errors are not remembered).
    """
    try:
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON data (never stored): parse it as it is
        return parse_definition(data, source)
    return parse_definition_text(text, source)


@functools.lru_cache(maxsize=128)
def parse_definition_text(text: str, source: str = "<definition>") -> SurveyDefinition:
    """:func:`parse_definition` for a definition as JSON text, remembered by that text.

    The respondent pages read the stored definition as text, so a page that finds
    it already parsed skips decoding the JSON as well as checking it.

    :raise DefinitionError: as :func:`parse_definition` (errors are not remembered).
    """
    return parse_definition(json.loads(text), source)


def parse_definition(data: Any, source: str = "<definition>") -> SurveyDefinition:
    """Check plain data (as read from YAML or JSON) and return the definition.

    :raise DefinitionError: listing every problem, each with its field path.
    """
    c = _Checker()
    if not isinstance(data, dict):
        raise DefinitionError(source, ["the file must hold a mapping at the top level"])
    c.unknown_keys(data, _TOP_KEYS, "")
    schema = c.get(data, "schema", "", int)
    if schema is not None and schema != SCHEMA_VERSION:
        c.fail("schema", f"this platform reads schema version {SCHEMA_VERSION}, not {schema}")
    slug = c.get(data, "slug", "", str, default="")
    if slug and not _SLUG.match(slug):
        c.fail("slug", "use lower-case letters, digits and hyphens")
    respondent_type = c.get(data, "respondent_type", "", str, required=False)
    if respondent_type is not None and respondent_type not in RESPONDENT_TYPES:
        c.fail("respondent_type", f"must be one of {', '.join(RESPONDENT_TYPES)}")

    sections: list[Section] = []
    questions: list[Question] = []
    for i, raw in enumerate(c.get(data, "sections", "", list, default=[])):
        path = f"sections[{i}]"
        c.unknown_keys(raw, {"id", "title", "intro", "equality", "questions"}, path)
        sid = c.get(raw, "id", path, str, default=f"section_{i}")
        sections.append(
            Section(
                id=sid,
                title=c.get(raw, "title", path, str, default=""),
                intro=_paragraphs(raw.get("intro") if isinstance(raw, dict) else None),
                equality=c.get(raw, "equality", path, bool, required=False, default=False),
            )
        )
        for j, q in enumerate(c.get(raw, "questions", path, list, default=[])):
            questions.append(_question(c, q, f"{path}.questions[{j}]", sid))

    text = {
        key: c.get(data, key, "", str, default="")
        for key in ("title", "audience", "summary", "time_to_complete")
    }
    _check_whole(c, questions, respondent_type)
    if c.problems:
        raise DefinitionError(source, c.problems)
    return SurveyDefinition(
        slug=slug,
        version=c.get(data, "version", "", int, default=1),
        title=text["title"],
        audience=text["audience"],
        summary=text["summary"],
        time_to_complete=text["time_to_complete"],
        intro=_paragraphs(data.get("intro")),
        privacy=_paragraphs(data.get("privacy")),
        sections=tuple(sections),
        questions=tuple(questions),
        easy_read=bool(data.get("easy_read", False)),
        respondent_type=respondent_type,
        population=data.get("population") or "",
        source=source,
    )


def _check_whole(c: _Checker, questions: list[Question], respondent_type: str | None) -> None:
    ids: list[str] = []
    for q in questions:
        ids.append(q.id)
        if q.comment_id:
            ids.append(q.comment_id)
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        c.fail("sections", f"answer id {dup!r} is used twice")
    if not questions:
        c.fail("sections", "a survey needs at least one question")
    decides_type = [q for q in questions if q.segment == "respondent_type"]
    if respondent_type is None and not decides_type:
        c.fail("respondent_type", "required unless a question has segment: respondent_type")
    if respondent_type is not None and decides_type:
        c.fail("respondent_type", "give it here or by a question, not both")


def load_definition(path: str | Path) -> SurveyDefinition:
    """Read and check one YAML definition file.

    :raise DefinitionError: for unreadable YAML or any schema problem.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(path.name, [f"not valid YAML: {exc}"]) from exc
    return parse_definition(data, path.name)


def load_all(directory: str | Path = DEFINITIONS_DIR) -> dict[str, SurveyDefinition]:
    """Load every ``*.yaml`` definition in ``directory``, keyed by slug."""
    found: dict[str, SurveyDefinition] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        definition = load_definition(path)
        if definition.slug in found:
            raise DefinitionError(path.name, [f"slug: {definition.slug!r} is already used"])
        found[definition.slug] = definition
    return found


def to_dict(definition: SurveyDefinition) -> dict[str, Any]:
    """The definition in its own schema (as a YAML file would hold it), JSON-ready.

    ``parse_definition(to_dict(d)) == d``, so this is also how the database stores a
    version and how ``surveys show --json`` prints one.
    """
    data = _prune(asdict(definition))
    data.pop("source", None)
    data["schema"] = data.pop("schema_version")
    questions = data.pop("questions", [])
    for section in data["sections"]:
        section["questions"] = [
            {k: v for k, v in q.items() if k != "section"}
            for q in questions
            if q["section"] == section["id"]
        ]
    return data


_DEFAULTS = {
    "required": True,
    "exclusive": False,
    "equality": False,
    "easy_read": False,
    "max_length": 2000,
}


def _prune(value: Any) -> Any:
    """Drop empty and default fields so stored definitions read like the source files."""
    if isinstance(value, dict):
        return {
            k: _prune(v)
            for k, v in value.items()
            if v not in (None, (), [], "") and not (k in _DEFAULTS and v == _DEFAULTS[k])
        }
    if isinstance(value, list | tuple):
        return [_prune(v) for v in value]
    return value
