"""The payloads through the other ways in: CSV import (service, page and CLI) and the CLI.

Same promises as the forms: no crash, a clear report when refused, nothing stored
half-way (imports are all or nothing), no control characters stored on either
database, and no formula cell in the export afterwards.
"""

from __future__ import annotations

import csv
import io
import os
import random

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from feedback.extensions import limiter
from feedback.models import Response, User
from feedback.services.exporting import csv_export
from feedback.services.importing import import_csv
from tests.security.payloads import Payload, all_payloads, is_formula_cell, one_per_category
from tests.security.test_bad_input import assert_nothing_stored_differs_by_database
from tests.security.walk import WriteLog, forms_on

PAYLOADS = all_payloads()
SAMPLE = one_per_category(2)
TEXT_COLUMNS = ("general_comments", "kpi_4_1_comment", "kpi_4_3_comment")
OTHER_COLUMNS = ("reference", "channel", "received_on", "kpi_4_1", "respondent_role", "included")


def as_text(payload: Payload) -> str:
    value = payload.value
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def export_rows(session, wave) -> list[list[str]]:
    text = "".join(csv_export(session, wave, actor="bad input")).removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def multipart(fields, file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body built by hand: the test client would spool a large one to a
    temporary file it never closes."""
    boundary = "badinputboundary7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode("utf-8", "replace")
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def count(session, wave) -> int:
    return session.scalar(
        select(func.count()).select_from(Response).where(Response.wave_id == wave.id)
    )


@pytest.fixture
def template(db_session, create_wave, create_response):
    """A wave and one exported row of it, to put payloads into."""
    wave = create_wave("parent-carer-annual")
    create_response(wave)
    header, row = export_rows(db_session, wave)[:2]
    row[header.index("reference")] = ""  # a fresh reference for every import
    return wave, header, row


def test_every_payload_in_every_kind_of_csv_cell_is_stored_cleanly_or_reported(
    db_session, template
):
    wave, header, row = template
    cases = [(p, TEXT_COLUMNS) for p in PAYLOADS]
    cases += [(p, (column,)) for p in SAMPLE for column in OTHER_COLUMNS]
    stored = 0
    for payload, columns in cases:
        cells = list(row)
        for column in columns:
            cells[header.index(column)] = as_text(payload)
        before = count(db_session, wave)
        result = import_csv(db_session, wave, csv_bytes([header, cells]), actor="bad input")
        after = count(db_session, wave)
        if result.stored:
            assert after == before + 1, payload.id
            stored += 1
        else:
            assert result.problems and after == before, payload.id
            assert all(str(p) for p in result.problems)
    assert stored > 50  # ordinary awkward text is accepted, not just refused
    assert_nothing_stored_differs_by_database(db_session)
    for n, cells in enumerate(export_rows(db_session, wave)):
        assert not [c for c in cells if is_formula_cell(c)], f"export row {n}"


HOSTILE_FILES = {
    "empty": b"",
    "header-only": b"reference,wave\r\n",
    "not-utf8": "référence,wave\n".encode("latin-1"),
    "utf16": "reference,wave\n".encode("utf-16"),
    "nul-bytes": b"reference,wave\n\x00\x00,\x00\n",
    "binary": bytes(random.Random(7).randrange(256) for _ in range(4096)),
    "zip-xlsx": b"PK\x03\x04" + b"\x00" * 200,
    "unterminated-quote": b'reference,wave\n"abc,def\n',
    "bare-cr": b"reference,wave\rX,Y\r",
    "ten-thousand-columns": (",".join(f"c{i}" for i in range(10_000)) + "\n").encode(),
    "huge-cell": b"reference,general_comments\n," + b"x" * 1_000_000 + b"\n",
    "many-rows": b"reference\n" + b"\n".join(b"x" for _ in range(20_000)),
    "formula-header": b"=cmd|' /C calc'!A0,wave\n1,2\n",
    "html-header": b'<script data-xss="1">x</script>,wave\n1,2\n',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_files_are_reported_not_crashed_on(db_session, template, name):
    wave, _header, _row = template
    before = count(db_session, wave)
    result = import_csv(db_session, wave, HOSTILE_FILES[name], actor="bad input")
    assert not result.stored and result.problems
    assert count(db_session, wave) == before


def test_the_import_page_reports_hostile_files_without_storing(
    app, client, db_session, template, login_as, monkeypatch
):
    monkeypatch.setattr(limiter, "enabled", False)
    wave, header, row = template
    login_as("officer")
    page_url = next(
        rule.rule.replace("<int:wave_id>", str(wave.id))
        for rule in app.url_map.iter_rules()
        if rule.endpoint == "manage.import_responses"
    )
    page = BeautifulSoup(client.get(page_url).data, "html.parser")
    form = next(
        f
        for f in forms_on(page, page_url, lambda _p: "")
        if any(x.kind == "file" for x in f.fields)
    )
    file_field = next(f.name for f in form.fields if f.kind == "file")
    fixed = [(f.name, f.value or (f.options[0] if f.options else "")) for f in form.fields]
    files = dict(HOSTILE_FILES)
    for payload in SAMPLE:
        cells = list(row)
        cells[header.index("general_comments")] = as_text(payload)
        files[payload.id] = csv_bytes([header, cells])
    with WriteLog(db_session.get_bind().engine) as writes:
        for name, content in files.items():
            fields = [(k, v) for k, v in fixed if k != file_field]
            body, content_type = multipart(fields, file_field, f"{name}.csv", content)
            response = client.post(form.action, data=body, content_type=content_type)
            assert response.status_code < 500, (name, response.status_code)
            written = writes.take() - {"audit_event"}
            if response.status_code >= 400:
                assert not written, (name, written)
                reply = BeautifulSoup(response.data, "html.parser")
                assert reply.select_one(".govuk-error-summary, table"), name
            assert not BeautifulSoup(response.data, "html.parser").select("[data-xss]"), name


def from_argv(payload: Payload) -> bool:
    """Whether a shell could pass this: no NUL, and surrogates only as undecodable bytes."""
    try:
        return "\x00" not in as_text(payload) and bool(os.fsencode(as_text(payload)))
    except UnicodeEncodeError:
        return False


CLI_PAYLOADS = [
    pytest.param(p, id=p.id) for p in PAYLOADS if from_argv(p) and p.category != "oversized"
][::4]


@pytest.mark.parametrize("payload", CLI_PAYLOADS)
def test_cli_user_creation_stores_clean_text_or_refuses(app, db_session, monkeypatch, payload):
    monkeypatch.setenv("BAD_INPUT_PW", "a-long-enough-password")
    value = as_text(payload)
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            f"{value[:60]}@example.org",
            "--name",
            value,
            "--role",
            "board",
            "--password-env",
            "BAD_INPUT_PW",
        ]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if result.exit_code:
        assert "Error" in result.output
    assert_nothing_stored_differs_by_database(db_session)
    for user in db_session.scalars(select(User)):
        assert "\x00" not in user.email + user.name


def test_cli_import_reports_problems_and_stores_nothing(app, db_session, template, tmp_path):
    wave, header, row = template
    runner = app.test_cli_runner()
    for name in ("nul-bytes", "not-utf8", "unterminated-quote", "formula-header"):
        path = tmp_path / f"{name}.csv"
        path.write_bytes(HOSTILE_FILES[name])
        before = count(db_session, wave)
        result = runner.invoke(args=["responses", "import", "--wave", str(wave.id), str(path)])
        assert result.exit_code == 1 and "nothing was imported" in result.output, result.output
        assert count(db_session, wave) == before
