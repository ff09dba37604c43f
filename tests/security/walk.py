"""Walk the app as a visitor would: every route in the URL map, every form on every page.

The security tests use this instead of a hand-kept list, so a page another
engineer adds tomorrow is covered the day it lands: its GET gets the header
checks, its POST the CSRF check, and its forms the bad-input payloads.

URL arguments are filled from :class:`Samples`, built from real rows. An
argument it does not know (``<int:thing_id>``) is looked up as "the first row of
the table ``thing``" and falls back to ``1``, so at worst the page is a 404 and
:func:`uncovered` reports it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup
from sqlalchemy import event, func, select
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, NumberConverter

from feedback.db import Base

STAFF_BLUEPRINTS = ("staff", "manage", "forum")
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
#: Forms the walker never fills: they end the walker's own session.
SESSION_ENDERS = {"auth.logout", "auth.keep_alive"}


def blueprint_of(endpoint: str) -> str:
    return endpoint.split(".", 1)[0] if "." in endpoint else endpoint


def is_staff(endpoint: str) -> bool:
    return blueprint_of(endpoint) in STAFF_BLUEPRINTS


@dataclass
class Samples:
    """Values for URL arguments, by argument name; lists are expanded."""

    values: dict[str, list] = field(default_factory=dict)
    session: object = None

    def for_argument(self, name: str, converter) -> list:
        if name in self.values:
            return list(self.values[name])
        if isinstance(converter, AnyConverter):
            return sorted(converter.items)
        if name.endswith("_id") and self.session is not None:
            table = Base.metadata.tables.get(name.removesuffix("_id"))
            if table is not None and "id" in table.c:
                found = self.session.execute(select(func.min(table.c.id))).scalar()
                if found is not None:
                    return [found]
        return [1] if isinstance(converter, NumberConverter) else ["x"]


def rules(app, methods: Iterable[str]) -> list[Rule]:
    wanted = set(methods)
    return sorted(
        (r for r in app.url_map.iter_rules() if wanted & set(r.methods or ())),
        key=lambda r: r.rule,
    )


def urls_for(app, rule: Rule, samples: Samples) -> list[str]:
    """Every URL for ``rule`` from the sample values (the product of list-valued ones)."""
    names = sorted(rule.arguments)
    choices = [samples.for_argument(n, rule._converters[n]) for n in names]
    adapter = app.url_map.bind("localhost")
    urls = []
    for combo in itertools.product(*choices):
        values = dict(zip(names, combo, strict=True))
        urls.append(adapter.build(rule.endpoint, values, force_external=False))
    return urls


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, password, email, number, date, choice, multi, hidden, file
    options: list[str] = field(default_factory=list)
    value: str = ""


@dataclass
class Form:
    page: str
    action: str
    endpoint: str
    fields: list[Field]
    submit: tuple[str, str] | None = None

    @property
    def signature(self) -> tuple:
        """Forms that differ only in URL arguments share a signature (one is enough)."""
        shape = tuple(sorted((f.name, f.kind, len(f.options) > 0) for f in self.fields))
        return (self.endpoint, shape)

    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.kind in TEXT_KINDS]


TEXT_KINDS = {"text", "textarea", "password", "email", "number", "date", "search", "tel", "url"}


def forms_on(page: BeautifulSoup, page_url: str, endpoint_for) -> list[Form]:
    """The POST forms on a parsed page, with their fields as a browser would send them."""
    found = []
    for tag in page.select("form"):
        if (tag.get("method") or "get").lower() != "post":
            continue
        action = urljoin(page_url, tag.get("action") or page_url)
        path = urlsplit(action).path + (
            f"?{urlsplit(action).query}" if urlsplit(action).query else ""
        )
        fields: list[Field] = []
        groups: dict[str, Field] = {}
        submit = None
        for el in tag.select("input, textarea, select, button"):
            name = el.get("name")
            if not name:
                continue
            kind = _kind(el)
            if kind == "submit":
                submit = submit or (name, el.get("value", ""))
            elif kind in ("choice", "multi"):
                if name not in groups:
                    groups[name] = Field(name, kind)
                    fields.append(groups[name])
                groups[name].options.append(el.get("value", "on"))
            elif kind == "select":
                options = [o.get("value", o.get_text()) for o in el.select("option")]
                fields.append(Field(name, "choice", [o for o in options if o]))
            else:
                # One entry per element: a GOV.UK date input sends its name three times.
                fields.append(Field(name, kind, value=el.get("value") or el.get_text() or ""))
        found.append(Form(page_url, path, endpoint_for(path), fields, submit))
    return found


def _kind(el) -> str:
    if el.name == "textarea":
        return "textarea"
    if el.name == "select":
        return "select"
    if el.name == "button":
        return "submit" if (el.get("type") or "submit") == "submit" else "other"
    kind = (el.get("type") or "text").lower()
    return {"radio": "choice", "checkbox": "multi", "image": "submit"}.get(kind, kind)


def encode(pairs: list[tuple[str, str | bytes]]) -> bytes:
    """URL-encode like a browser, keeping lone surrogates as the bytes a broken client sends."""
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode("ascii")


def fill(
    form: Form, value: str | bytes | None, *, choices_too: bool = False, texts: list | None = None
) -> list[tuple[str, str | bytes]]:
    """Form data with ``value`` in every text field (or ``texts[i]`` in the i-th one).

    With ``choices_too`` the value also replaces every choice and hidden field
    (except the CSRF token and the respondent's draft token).
    """
    pairs: list[tuple[str, str | bytes]] = []
    text_index = 0
    for f in form.fields:
        if f.kind == "hidden":
            keep = not choices_too or f.name in ("csrf_token", "draft")
            pairs.append((f.name, f.value if keep else value))
        elif f.kind in TEXT_KINDS:
            if texts is not None:
                pairs.append((f.name, texts[text_index % len(texts)]))
                text_index += 1
            else:
                pairs.append((f.name, f.value if value is None else value))
        elif f.kind in ("choice", "multi"):
            if choices_too and value is not None:
                pairs.append((f.name, value))
            elif f.options:
                pairs.append((f.name, f.options[0]))
    if form.submit:
        pairs.append(form.submit)
    return pairs


def row_counts(session) -> dict[str, int]:
    """Rows in every table, in one round trip: the "nothing stored half-way" check."""
    tables = list(Base.metadata.sorted_tables)
    query = select(
        *[select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables]
    )
    row = session.execute(query).one()
    return dict(zip([t.name for t in tables], row, strict=True))


def text_cells(session) -> Iterator[tuple[str, str, str]]:
    """Every stored string (including inside JSON), as (table, column, value)."""
    for table in Base.metadata.sorted_tables:
        for column in table.c:
            python_type = _python_type(column)
            if python_type not in (str, dict, list):
                continue
            for (value,) in session.execute(select(column).where(column.is_not(None))):
                for text in _strings(value):
                    yield table.name, column.name, text


def _python_type(column):
    try:
        return column.type.python_type
    except NotImplementedError:
        return dict


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


class WriteLog:
    """Tables written by the SQL the app sends, to prove a refused request wrote nothing.

    Cheaper than counting rows around every request, and it sees UPDATEs too.
    """

    def __init__(self, engine):
        self.engine = engine
        self.tables: list[str] = []

    def __enter__(self) -> WriteLog:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        match = WRITE.match(statement)
        if match:
            self.tables.append(match.group(1))

    def take(self) -> set[str]:
        found, self.tables = set(self.tables), []
        return found
