"""Every payload in :mod:`tests.security.payloads` sent to every form the app shows.

Forms are found, not listed: the walker GETs every route in the URL map (with
sample arguments, as a respondent part-way through a survey and as an admin)
and parses each page's POST forms. A form another engineer adds is covered as
soon as its page is reachable. For each payload the suite asserts:

- no 500;
- a refusal (400/422) explains itself: an error summary, or the error page;
- a refusal stores nothing (row counts unchanged; the audit log may record it);
- no payload is rendered unescaped, on the reply or on any page afterwards;
- nothing stored holds NUL, lone surrogates or other control characters, so
  SQLite and PostgreSQL keep the same data;
- no export has a cell a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from werkzeug.routing.converters import UnicodeConverter

from feedback.errors import MESSAGES
from feedback.extensions import limiter
from tests.security.payloads import (
    EVALUATED_MARKERS,
    Payload,
    all_payloads,
    is_formula_cell,
    one_per_category,
)
from tests.security.walk import (
    SESSION_ENDERS,
    Form,
    WriteLog,
    encode,
    fill,
    forms_on,
    is_staff,
    rules,
    text_cells,
    urls_for,
)

PAYLOADS = all_payloads()
SAMPLE = one_per_category(2)
STAFF_SAMPLE = one_per_category(1)
#: Failures found in pages owned elsewhere, reported and awaiting their fix: endpoint ->
#: what goes wrong. They are printed, not failed; anything not listed fails the test.
#: Tables that may grow when a request is refused: refusals are audited on purpose.
MAY_RECORD_REFUSALS = {"audit_event"}
ERROR_TITLES = {title for title, _ in MESSAGES.values()} | {"Your session timed out"}
#: Stored text may keep tab, line feed and carriage return, and nothing else below U+0020.
BAD_STORED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
FORM_TYPE = "application/x-www-form-urlencoded"
#: Run last: they end a draft (submit) or start a new one.
LAST = ("respond.check", "respond.begin")
#: After an accepted POST, the next page is checked for these (where rendering matters).
FOLLOW = {"markup", "template", "unicode", "formula"}


def test_there_are_at_least_200_payloads_in_every_category():
    assert len(PAYLOADS) >= 200
    assert len({p.id for p in PAYLOADS}) == len(PAYLOADS)
    categories = {p.category for p in PAYLOADS}
    assert {"oversized", "unicode", "control", "markup", "template", "sql", "formula"} <= categories


class Walker:
    """One browser session walking the app and checking every reply."""

    def __init__(self, app, client, db_session):
        self.app = app
        self.client = client
        self.session = db_session
        self.sent = 0
        self.writes = WriteLog(db_session.get_bind().engine)
        self.problems: list[str] = []
        self.seen_problems: set[tuple[str, str]] = set()
        self.forms_tried: list[str] = []

    # -- looking --------------------------------------------------------------
    def endpoint_for(self, path: str) -> str:
        try:
            endpoint, _ = self.app.url_map.bind("localhost").match(
                urlsplit(path).path, method="POST"
            )
        except Exception:  # noqa: BLE001 - a form posting nowhere is reported by its 404
            return "?"
        return endpoint

    def get(self, url: str):
        response = self.client.get(url)
        response.close()
        try:
            check_reply(url, response)
        except AssertionError as exc:
            self.note(url, exc)
        return response

    def assert_no_problems(self) -> None:
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(self.problems)

    def discover(self, urls: Iterable[str]) -> list[Form]:
        forms: dict[tuple, Form] = {}
        for url in urls:
            response = self.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = BeautifulSoup(response.data, "html.parser")
            for form in forms_on(page, url, self.endpoint_for):
                if form.endpoint not in SESSION_ENDERS:
                    forms.setdefault(form.signature, form)
        return sorted(forms.values(), key=_order)

    # -- sending --------------------------------------------------------------
    def send(self, form: Form, payload: Payload, pairs: list[tuple[str, str | bytes]]) -> None:
        """POST and check; a failure is noted (once per form and kind) and the walk goes on."""
        try:
            self._send(form, payload, pairs)
        except AssertionError as exc:
            self.note(form.endpoint, exc)

    def note(self, endpoint: str, exc: AssertionError) -> None:
        message = str(exc).splitlines()[0]
        kind = (endpoint, message.split(" with ", 1)[-1].split(":", 2)[-1][-80:])
        if kind not in self.seen_problems:
            self.seen_problems.add(kind)
            self.problems.append(message)

    def _send(self, form: Form, payload: Payload, pairs: list[tuple[str, str | bytes]]) -> None:
        self.writes.take()
        response = self.client.post(form.action, data=encode(pairs), content_type=FORM_TYPE)
        self.sent += 1
        written = self.writes.take() - MAY_RECORD_REFUSALS
        where = f"{form.endpoint} {form.action} with {payload.id}"
        check_reply(where, response)
        if response.status_code in (400, 413, 422):
            assert not written, f"{where} was refused but wrote to {sorted(written)}"
            assert_explained(where, response)
        elif (
            response.status_code in (302, 303)
            and response.location.startswith("/")
            and payload.category in FOLLOW
        ):
            self.get(response.location)

    def attack(
        self, form: Form, payloads: list[Payload], sample: list[Payload], *, pack: bool = False
    ) -> None:
        """Every payload into the form's text fields, then ``sample`` into everything.

        Unpacked, each request puts one payload in every text field. Packed, a form
        with k text fields gets k different payloads per request: every payload
        still reaches the form, in a k-th of the requests.
        """
        self.forms_tried.append(form.endpoint)
        width = len(form.text_fields()) if pack else 1
        if form.text_fields():
            for i in range(0, len(payloads), width):
                group = payloads[i : i + width]
                texts = [p.value for p in group]
                self.send(form, group[0], fill(form, group[0].value, texts=texts))
        for payload in sample:
            self.send(form, payload, fill(form, payload.value, choices_too=True))


def _order(form: Form) -> tuple:
    last = LAST.index(form.endpoint) + 1 if form.endpoint in LAST else 0
    return (last, form.action)


# Cheap screens on the raw HTML; a page is parsed only when one of them fires.
MARKUP_HINT = re.compile(r"<[^<>]*\sdata-xss", re.IGNORECASE)
SCRIPT_URL_HINT = re.compile(
    r"""(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript|data:text/html)""", re.IGNORECASE
)
ERROR_SUMMARY = re.compile(r'class="govuk-error-summary"')
TITLE = re.compile(r"<title[^>]*>\s*(.*?)</title>", re.DOTALL)
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)


def check_reply(where: str, response) -> None:
    """No 500; no markup, template output or script link from a payload; no formula cells."""
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.mimetype == "text/html":
        check_html(where, response.get_data(as_text=True))
    elif response.mimetype in ("text/csv", "application/csv"):
        assert_no_formula_cells(where, csv.reader(io.StringIO(response.get_data(as_text=True))))
    elif "spreadsheetml" in (response.mimetype or ""):
        assert_no_formula_cells_xlsx(where, response.data)


def check_html(where: str, html: str) -> None:
    page = None
    if MARKUP_HINT.search(html):
        page = BeautifulSoup(html, "html.parser")
        injected = page.select("[data-xss]")
        assert not injected, f"{where}: payload rendered as markup: {injected[0]}"
    if SCRIPT_URL_HINT.search(html):
        page = page or BeautifulSoup(html, "html.parser")
        links = [a for a in page.select("[href], [src]") if _is_script_url(a)]
        assert not links, f"{where}: script URL rendered: {links[0]}"
    if any(marker in html for marker in EVALUATED_MARKERS):
        text = (page or BeautifulSoup(html, "html.parser")).get_text(" ")
        for marker in EVALUATED_MARKERS:
            assert marker not in text, f"{where}: a template evaluated a payload ({marker})"


def _is_script_url(tag) -> bool:
    value = (tag.get("href") or tag.get("src") or "").strip().lower()
    return value.startswith(("javascript:", "data:text/html", "vbscript:"))


def assert_explained(where: str, response) -> None:
    """A refusal says why: an error summary (and "Error:" title), or the error page."""
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    title = TITLE.search(html)
    if ERROR_SUMMARY.search(html):
        assert title and title.group(1).startswith("Error:"), where
        return
    h1 = H1.search(html)
    heading = re.sub(r"<[^>]+>", "", h1.group(1)).strip() if h1 else ""
    assert heading in ERROR_TITLES, f"{where}: refused without a message ({heading!r})"


def assert_no_formula_cells(where: str, rows: Iterable[list[str]]) -> None:
    for n, row in enumerate(rows, start=1):
        for cell in row:
            assert not is_formula_cell(cell), f"{where}: row {n} has a formula cell {cell!r}"


def assert_no_formula_cells_xlsx(where: str, data: bytes) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (
                    f"{where}: {sheet.title}!{cell.coordinate} is a formula"
                )
                if isinstance(cell.value, str):
                    assert not is_formula_cell(cell.value), (
                        f"{where}: {sheet.title}!{cell.coordinate} = {cell.value!r}"
                    )
    book.close()


def assert_nothing_stored_differs_by_database(session) -> None:
    """SQLite would keep NUL and lone surrogates where PostgreSQL refuses them: neither may."""
    bad = [(t, c, v[:40]) for t, c, v in text_cells(session) if BAD_STORED.search(v)]
    assert not bad, f"stored control characters or surrogates: {bad[:5]}"


def public_urls(app, world, definitions) -> list[str]:
    samples = world["samples"]
    samples.values["code"] = [w.code for w in world["waves"].values()]
    samples.values["qid"] = sorted({q.id for d in definitions.values() for q in d.questions})
    urls = []
    for rule in rules(app, ["GET"]):
        if rule.endpoint == "static" or is_staff(rule.endpoint):
            continue
        urls.extend(urls_for(app, rule, samples))
    return urls


def staff_urls(app, world) -> list[str]:
    return [
        url
        for rule in rules(app, ["GET"])
        if is_staff(rule.endpoint)
        for url in urls_for(app, rule, world["samples"])
    ]


@pytest.fixture
def walker(app, client, db_session, monkeypatch):
    # Rate limits have their own tests; here they would only stop the walk early.
    monkeypatch.setattr(limiter, "enabled", False)
    walker = Walker(app, client, db_session)
    with walker.writes:
        yield walker


def start_every_survey(walker, world, complete_answers) -> None:
    """A respondent part-way through each survey, and at the check page of the pulse survey."""
    for slug, wave in world["waves"].items():
        page = BeautifulSoup(walker.client.get(f"/surveys/{wave.code}/").data, "html.parser")
        token = page.select_one("input[name=csrf_token]")["value"]
        url = walker.client.post(f"/surveys/{wave.code}/start", data={"csrf_token": token}).location
        answers = complete_answers(slug) if slug == "kpi-pulse" else {}
        while "/questions/" in url and url.rsplit("/", 1)[-1] in answers:
            qid = url.rsplit("/", 1)[-1]
            data = {"csrf_token": token, "answer": answers[qid]}
            url = walker.client.post(url, data=data).location


def formula_responses(world, create_response, complete_answers) -> None:
    """Stored answers that a spreadsheet would run, for the exports to neutralise."""
    wave = world["waves"]["parent-carer-annual"]
    for payload in [p for p in PAYLOADS if p.category == "formula"]:
        answers = complete_answers("parent-carer-annual")
        answers.update(kpi_4_1_comment=payload.value, general_comments=payload.value)
        create_response(wave, answers)


def test_every_public_form_survives_every_payload(
    app, walker, world, definitions, db_session, complete_answers
):
    start_every_survey(walker, world, complete_answers)
    forms = walker.discover(public_urls(app, world, definitions))
    for form in forms:
        walker.attack(form, PAYLOADS, SAMPLE, pack=True)
    print(f"\n{walker.sent} payload requests to {len(forms)} public forms: {walker.forms_tried}")
    assert {"respond.question", "respond.resume", "auth.login", "respond.check"} <= set(
        walker.forms_tried
    )
    # Whatever was accepted is shown back escaped: every page again, and the check pages.
    for url in public_urls(app, world, definitions):
        walker.get(url)
    for wave in world["waves"].values():
        walker.get(f"/surveys/{wave.code}/check")
    walker.assert_no_problems()
    assert_nothing_stored_differs_by_database(db_session)
    print(f"\n{walker.sent} payload requests to {len(forms)} public forms")


def test_every_staff_form_survives_every_payload(
    app, walker, world, login_as, db_session, create_response, complete_answers
):
    formula_responses(world, create_response, complete_answers)
    login_as("admin")
    forms = walker.discover(staff_urls(app, world))
    for form in forms:
        if walker.client.get("/staff/").status_code != 200:
            login_as("admin")  # a form signed us out (deactivated, say): carry on
        walker.attack(form, PAYLOADS, STAFF_SAMPLE, pack=True)
    for url in staff_urls(app, world):
        walker.get(url)
    print(f"\n{walker.sent} payload requests to {len(forms)} staff forms: {walker.forms_tried}")
    walker.assert_no_problems()
    assert_nothing_stored_differs_by_database(db_session)


def test_payloads_in_url_arguments_and_query_strings(app, walker, world, login_as):
    """Every GET route once with hostile query parameters, and its text arguments hostile."""
    login_as("admin")
    adapter = app.url_map.bind("localhost")
    sample = one_per_category(1)
    query = "&".join(f"{name}={_quoted(p)}" for name, p in zip(QUERY_NAMES, sample, strict=False))
    for rule in rules(app, ["GET"]):
        if rule.endpoint == "static":
            continue
        values = _first_values(rule, world["samples"])
        walker.get(f"{adapter.build(rule.endpoint, values)}?{query}")
        for arg in [a for a in rule.arguments if isinstance(rule._converters[a], UnicodeConverter)]:  # noqa: SLF001
            for payload in sample:
                url = adapter.build(rule.endpoint, {**values, arg: "PAYLOAD"})
                walker.get(url.replace("PAYLOAD", _quoted(payload)))
    walker.assert_no_problems()


QUERY_NAMES = ("q", "page", "wave", "format", "next", "kpi", "year", "sort", "filter", "theme")


def _quoted(payload: Payload) -> str:
    raw = payload.value
    return quote(raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass"), safe="")


def _first_values(rule, samples) -> dict:
    return {
        name: samples.for_argument(name, rule._converters[name])[0]  # noqa: SLF001
        for name in rule.arguments
    }


def test_wrong_roles_are_refused_every_staff_post_and_nothing_is_stored(
    app, client, db_session, world, login_as
):
    """A board member (read-only) with a valid token still cannot change anything."""
    from feedback.permissions import ROLE_PERMISSIONS, Role, declared_permission

    login_as("board")
    page = BeautifulSoup(client.get("/staff/").data, "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]
    board = ROLE_PERMISSIONS[Role.BOARD]
    refused = 0
    with WriteLog(db_session.get_bind().engine) as writes:
        for rule in rules(app, ["POST"]):
            if not is_staff(rule.endpoint):
                continue
            if declared_permission(app.view_functions[rule.endpoint]) in board:
                continue
            for url in urls_for(app, rule, world["samples"]):
                data = {"csrf_token": token, "title": "x", "text": "x", "confirm": "yes"}
                response = client.post(url, data=data)
                assert response.status_code == 403, (url, response.status_code)
                assert not writes.take(), f"{url} wrote for a board member"
                refused += 1
    print(f"\n{refused} staff POST routes refused to a board member")
