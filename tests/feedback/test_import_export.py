"""Row-level CSV/XLSX export and CSV import: one format, round trips, neutralised formulas."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from feedback.models import AuditEvent, Channel, Response
from feedback.services.exporting import (
    METADATA_COLUMNS,
    csv_chunks,
    export_columns,
    export_file,
    neutralise,
    restore,
)
from feedback.services.importing import import_csv, read_rows
from surveys.validation import validate_response
from tests.fixtures.surveys import COMPLETE_ANSWERS

COMPLETE = COMPLETE_ANSWERS["parent-carer-annual"]

FORMULAS = [
    "=1+2",
    "+44 151 000 0000",
    "-5 stars",
    "@SUM(A1:A2)",
    "\t=cmd",
    "\r=cmd",
    '   =HYPERLINK("http://evil.example")',
    "  +1",
    " @x",
]


def export_bytes(db_session, wave, fmt="csv") -> bytes:
    out = io.BytesIO()
    export_file(db_session, wave, fmt, out, actor="test")
    return out.getvalue()


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_like_text_gets_a_leading_apostrophe_and_restores(value):
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ["fine", "'Tis the season", "3 - 2", "", "''", "a=b"])
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value
    assert restore(value) == value


def test_text_that_already_looks_neutralised_survives_a_round_trip():
    for value in ["'=1", "''=1", "'  -2"]:
        assert restore(neutralise(value)) == value


def test_export_columns_are_metadata_then_answers_codes_and_labels(definitions):
    names = [c.name for c in export_columns(definitions["parent-carer-annual"])]
    assert names[: len(METADATA_COLUMNS)] == list(METADATA_COLUMNS)
    answers = names[len(METADATA_COLUMNS) :]
    assert answers[:4] == [
        "respondent_role",
        "respondent_role_label",
        "child_age",
        "child_age_label",
    ]
    assert answers[answers.index("kpi_4_1") : answers.index("kpi_4_1") + 3] == [
        "kpi_4_1",
        "kpi_4_1_label",
        "kpi_4_1_comment",
    ]
    assert "general_comments" in answers and "general_comments_label" not in answers


def test_csv_export_holds_one_row_per_response_with_codes_and_labels(
    db_session, create_wave, create_response
):
    wave = create_wave()
    first = create_response(wave)
    create_response(wave, channel=Channel.PAPER)
    rows = read_csv(export_bytes(db_session, wave))
    assert len(rows) == 2
    assert rows[0]["reference"] == first.reference
    assert rows[0]["wave"] == wave.code
    assert rows[0]["kpi_4_1"] == "agree" and rows[0]["kpi_4_1_label"] == "Agree"
    assert rows[0]["kpi_4_1_comment"] == "The new keyworker has made a real difference."
    assert rows[0]["segment_respondent_type"] == "parent_carer"
    assert rows[1]["channel"] == "paper"


def test_equality_answers_are_absent_from_row_level_exports(
    db_session, create_wave, create_response
):
    wave = create_wave()
    create_response(wave)  # answers eq_ethnicity
    csv_rows = read_csv(export_bytes(db_session, wave))
    assert not [k for k in csv_rows[0] if k.startswith("eq_")]
    assert "prefer_not" not in [v for k, v in csv_rows[0].items() if k.startswith("eq")]
    header = read_xlsx(export_bytes(db_session, wave, "xlsx"))[0]
    assert not [h for h in header if h.startswith("eq_")]


def test_formula_answers_are_neutralised_in_csv(db_session, create_wave, create_response):
    wave = create_wave()
    for value in FORMULAS:
        create_response(wave, {"general_comments": value, "kpi_4_1": "agree"})
    rows = read_csv(export_bytes(db_session, wave))
    assert [r["general_comments"] for r in rows] == ["'" + v for v in FORMULAS]


def test_formula_answers_are_text_cells_in_xlsx(db_session, create_wave, create_response):
    wave = create_wave()
    for value in FORMULAS:
        create_response(wave, {"general_comments": value, "kpi_4_1": "agree"})
    data = export_bytes(db_session, wave, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    column = [c.value for c in sheet[1]].index("general_comments") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, 2 + len(FORMULAS))]
    # XML folds a raw CR into LF when read back; the cell is still neutralised text.
    assert [c.value for c in cells] == ["'" + v.replace("\r", "\n") for v in FORMULAS]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold


def test_xlsx_export_reads_back_the_same_values_as_the_csv(
    db_session, create_wave, create_response
):
    wave = create_wave()
    create_response(wave)
    create_response(wave, {"kpi_4_1": "dont_know", "general_comments": 'He said "no",\nthen =1'})
    csv_rows = list(csv.reader(io.StringIO(export_bytes(db_session, wave).decode("utf-8-sig"))))
    xlsx_rows = [
        ["" if v is None else v for v in row]
        for row in read_xlsx(export_bytes(db_session, wave, "xlsx"))
    ]
    assert xlsx_rows == csv_rows


def test_every_export_is_audited_with_format_and_row_count(
    db_session, create_wave, create_response
):
    wave = create_wave()
    create_response(wave)
    export_bytes(db_session, wave, "xlsx")
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses.export")
    ).one()
    assert event.detail == {"wave": wave.code, "format": "xlsx", "rows": 1}
    assert event.target == f"wave:{wave.id}"
    assert db_session.scalar(select(Response.id).where(Response.wave_id == wave.id))


# --- import ---------------------------------------------------------------------------------


def wave_responses(db_session, wave) -> list[Response]:
    return list(
        db_session.scalars(
            select(Response).where(Response.wave_id == wave.id).order_by(Response.id)
        )
    )


def erase_all(db_session, wave) -> None:
    for response in wave_responses(db_session, wave):
        db_session.delete(response)
    db_session.commit()


def header_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    names = list(dict.fromkeys(name for row in rows for name in row))
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def annual_row(**overrides) -> dict[str, str]:
    row = {
        "reference": "",
        "respondent_role": "parent",
        "child_age": "age_5_10",
        "ehcp_status": "yes",
        "setting": "mainstream",
        "kpi_4_1": "agree",
        "kpi_4_2": "good",
        "kpi_4_3": "poor",
        "kpi_4_4": "disagree",
        "kpi_4_5": "agree",
        "kpi_4_6": "neither",
    }
    row.update(overrides)
    return row


def test_export_import_export_gives_an_identical_csv(
    db_session, create_wave, create_response, frozen_time
):
    frozen_time("2026-11-20T10:00:00")
    wave = create_wave()
    create_response(wave)
    create_response(wave, {**COMPLETE, "general_comments": '=2+2, "quoted"\nsecond line ü 🙂'})
    create_response(wave, {**COMPLETE, "kpi_4_1_comment": "'Tis -1"}, channel=Channel.PHONE)
    first = export_bytes(db_session, wave)
    erase_all(db_session, wave)
    result = import_csv(db_session, wave, first, actor="test")
    assert result.ok and result.stored, result.problems
    assert export_bytes(db_session, wave) == first


def test_import_stores_rows_with_their_channel_and_who_imported(
    db_session, create_wave, create_user
):
    wave = create_wave()
    officer = create_user("officer")
    data = header_csv([annual_row(), annual_row(channel="event", kpi_4_1_comment="Long wait")])
    result = import_csv(db_session, wave, data, channel=Channel.PHONE, user=officer)
    assert result.ok and result.rows == 2
    stored = wave_responses(db_session, wave)
    assert [r.channel for r in stored] == [Channel.PHONE, Channel.EVENT]
    assert {r.keyed_by for r in stored} == {officer.email}
    assert stored[0].respondent_type == "parent_carer" and stored[0].ehcp_status == "yes"
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses.import")
    ).one()
    assert event.detail["rows"] == 2 and event.user_id == officer.id


def test_import_report_names_row_and_column_of_every_problem(db_session, create_wave):
    wave = create_wave()
    rows = [
        annual_row(),
        annual_row(kpi_4_1="brilliant", received_on="31/02/2026"),
        annual_row(kpi_4_2="", general_comments="x" * 4001),
        annual_row(channel="carrier pigeon", included="maybe"),
    ]
    result = import_csv(db_session, wave, header_csv(rows), actor="test")
    assert not result.stored
    found = {(p.row, p.column) for p in result.problems}
    assert found == {
        (3, "kpi_4_1"),
        (3, "received_on"),
        (4, "kpi_4_2"),
        (4, "general_comments"),
        (5, "channel"),
        (5, "included"),
    }
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "brilliant" in messages[(3, "kpi_4_1")] and "strongly_agree" in messages[(3, "kpi_4_1")]
    assert messages[(4, "kpi_4_2")] == "missing answer to a required question"
    assert "4,000 characters" in messages[(4, "general_comments")]


def test_unknown_and_missing_columns_are_reported_on_the_header_row(db_session, create_wave):
    wave = create_wave()
    row = annual_row(favourite_colour="blue")
    del row["kpi_4_3"]
    result = import_csv(db_session, wave, header_csv([row]), actor="test")
    assert {(p.row, p.column, p.message) for p in result.problems} == {
        (1, "favourite_colour", "unknown column for this survey"),
        (1, "kpi_4_3", "required question column is missing"),
    }


def test_duplicate_references_in_the_file_or_the_database_are_refused(
    db_session, create_wave, create_response
):
    wave = create_wave()
    existing = create_response(wave)
    rows = [annual_row(reference="ABCD-1234"), annual_row(reference="ABCD-1234")]
    rows.append(annual_row(reference=existing.reference))
    result = import_csv(db_session, wave, header_csv(rows), actor="test")
    assert {(p.row, p.column) for p in result.problems} == {(3, "reference"), (4, "reference")}
    assert "already in the database" in str(result.problems[-1])


def test_import_is_all_or_nothing(db_session, create_wave):
    wave = create_wave()
    rows = [annual_row() for _ in range(5)] + [annual_row(kpi_4_6="nope")]
    result = import_csv(db_session, wave, header_csv(rows), actor="test")
    assert result.rows == 5 and not result.stored
    assert wave_responses(db_session, wave) == []
    assert not db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses.import")
    ).first()


def test_dry_run_validates_and_stores_nothing(db_session, create_wave):
    wave = create_wave()
    result = import_csv(
        db_session, wave, header_csv([annual_row(), annual_row()]), dry_run=True, actor="t"
    )
    assert result.ok and result.rows == 2 and not result.stored
    assert wave_responses(db_session, wave) == []


def test_a_row_for_another_wave_is_refused(db_session, create_wave):
    wave = create_wave()
    result = import_csv(db_session, wave, header_csv([annual_row(wave="other-wave")]), actor="t")
    assert [(p.row, p.column) for p in result.problems] == [(2, "wave")]


def test_equality_answers_can_be_imported_but_never_exported(db_session, create_wave):
    wave = create_wave()
    result = import_csv(db_session, wave, header_csv([annual_row(eq_ethnicity="asian")]), actor="t")
    assert result.stored
    codes = {a.question_id: a.option_code for a in wave_responses(db_session, wave)[0].answers}
    assert codes["eq_ethnicity"] == "asian"
    assert "asian" not in export_bytes(db_session, wave).decode("utf-8-sig")


def test_not_utf8_and_broken_csv_are_reported_as_file_problems(db_session, create_wave):
    wave = create_wave()
    latin1 = header_csv([annual_row(general_comments="café")]).encode("latin-1")
    assert "UTF-8" in str(import_csv(db_session, wave, latin1, actor="t").problems[0])
    assert "not valid CSV" in str(import_csv(db_session, wave, 'a,"b\n', actor="t").problems[0])


def test_late_imported_rows_follow_the_wave_rule_or_the_included_column(
    db_session, create_wave, frozen_time
):
    from datetime import datetime

    from feedback.models.surveys import LateRule

    frozen_time("2026-11-20T10:00:00")
    closes = datetime(2026, 11, 10)
    decides = create_wave(state="closed", closes_at=closes)
    rows = [
        annual_row(received_on="2026-11-09"),
        annual_row(received_on="2026-11-12", included="true"),
        annual_row(received_on="2026-11-12"),
    ]
    assert import_csv(db_session, decides, header_csv(rows), actor="t").stored
    stored = wave_responses(db_session, decides)
    assert [(r.is_late, r.included) for r in stored] == [(False, True), (True, True), (True, False)]
    excluding = create_wave(state="closed", closes_at=closes, late_rule=LateRule.EXCLUDE)
    assert import_csv(db_session, excluding, header_csv(rows[1:2]), actor="t").stored
    assert [r.included for r in wave_responses(db_session, excluding)] == [False]


# --- command line -------------------------------------------------------------------------


def test_cli_export_import_round_trip_with_dry_run(
    app, db_session, create_wave, create_response, tmp_path
):
    wave = create_wave()
    create_response(wave)
    create_response(wave, {**COMPLETE, "general_comments": "@risk\nof =formulas"})
    runner = app.test_cli_runner()
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    out = runner.invoke(args=["responses", "export", "--wave", wave.code, "--out", str(first)])
    assert out.exit_code == 0, out.output
    erase_all(db_session, wave)

    dry = runner.invoke(
        args=["responses", "import", "--wave", str(wave.id), "--dry-run", str(first)]
    )
    assert dry.exit_code == 0 and "2 responses checked" in dry.output
    assert wave_responses(db_session, wave) == []

    done = runner.invoke(args=["responses", "import", "--wave", str(wave.id), str(first)])
    assert done.exit_code == 0 and "imported 2" in done.output
    runner.invoke(args=["responses", "export", "--wave", str(wave.id), "--out", str(second)])
    assert second.read_bytes() == first.read_bytes()
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor.startswith("cli"))
    ).all()
    assert sorted(actions) == ["responses.export", "responses.export", "responses.import"]


def test_cli_import_lists_problems_and_fails(app, db_session, create_wave, tmp_path):
    wave = create_wave()
    bad = tmp_path / "bad.csv"
    bad.write_text(header_csv([annual_row(kpi_4_1="great")]), encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["responses", "import", "--wave", str(wave.id), "--channel", "phone", str(bad)]
    )
    assert result.exit_code == 1
    assert "row 2, column kpi_4_1: ‘great’ is not an option code" in result.output
    assert wave_responses(db_session, wave) == []


def test_cli_xlsx_export_writes_a_workbook(app, db_session, create_wave, create_response, tmp_path):
    wave = create_wave()
    create_response(wave)
    path = tmp_path / "out.xlsx"
    result = app.test_cli_runner().invoke(
        args=["responses", "export", "--wave", str(wave.id), "--format", "xlsx", "--out", str(path)]
    )
    assert result.exit_code == 0, result.output
    rows = read_xlsx(path.read_bytes())
    assert rows[0][0] == "reference" and len(rows) == 2


# --- property: any text survives the CSV round trip ---------------------------------------

FORMULA_TEXT = st.sampled_from(["=", "+", "-", "@", "\t", "\r", " ", "'", '"', ",", "\n"])
ANY_TEXT = st.lists(
    st.one_of(FORMULA_TEXT, st.text(st.characters(exclude_categories=("Cs",)), max_size=30)),
    max_size=8,
).map("".join)


@given(cells=st.lists(ANY_TEXT, min_size=1, max_size=5))
@settings(max_examples=300)
def test_csv_writer_and_reader_round_trip_any_cells(cells):
    header = [f"c{i}" for i in range(len(cells))]
    text = "".join(csv_chunks(header, [cells]))
    records = list(read_rows(text.encode("utf-8")))
    assert records[0] == header
    assert [restore(value) for value in records[1]] == cells


@given(comment=ANY_TEXT, general=ANY_TEXT)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_text_answer_survives_export_import_export(
    db_session, create_wave, create_response, comment, general
):
    wave = create_wave()
    answers = validate_response(
        wave.definition,
        {**COMPLETE, "kpi_4_1_comment": comment[:2000], "general_comments": general[:4000]},
    )
    create_response(wave, answers)
    first = export_bytes(db_session, wave)
    erase_all(db_session, wave)
    result = import_csv(db_session, wave, first, actor="test")
    assert result.stored, result.problems
    assert export_bytes(db_session, wave) == first
    texts = {a.question_id: a.text for a in wave_responses(db_session, wave)[0].answers if a.text}
    assert texts.get("general_comments") == answers["general_comments"]


# --- pages -------------------------------------------------------------------------------


def test_an_officer_downloads_csv_and_xlsx_from_the_export_page(
    client_request, login_as, db_session, create_wave, create_response
):
    officer = login_as("officer")
    wave = create_wave()
    create_response(wave)
    page_url = f"/manage/waves/{wave.id}/export"
    page = client_request.get(page_url)
    assert page.select_one("input[name=format][value=csv]").has_attr("checked")
    listing = client_request.get("/manage/data")
    assert listing.select_one(f"tr[data-wave='{wave.code}'] a[href='{page_url}']")

    csv_download = client_request.post(
        page_url, {"format": "csv"}, form_url=page_url, expected_status=200
    )
    assert csv_download.is_streamed
    assert csv_download.headers["Content-Disposition"].endswith(f'{wave.code}-responses.csv"')
    assert csv_download.headers["Cache-Control"] == "no-store"
    assert len(read_csv(csv_download.data)) == 1

    xlsx_download = client_request.post(
        page_url, {"format": "xlsx"}, form_url=page_url, expected_status=200
    )
    assert read_xlsx(xlsx_download.data)[0][0] == "reference"
    assert xlsx_download.headers["Content-Disposition"].startswith("attachment")
    assert xlsx_download.headers["Cache-Control"] == "no-store"
    formats = [
        e.detail["format"]
        for e in db_session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "responses.export", AuditEvent.user_id == officer.id
            )
        )
    ]
    assert sorted(formats) == ["csv", "xlsx"]


def test_the_import_page_reports_problems_checks_and_imports(
    client_request, login_as, db_session, create_wave
):
    login_as("officer")
    wave = create_wave()
    page_url = f"/manage/waves/{wave.id}/import"

    def upload(text: str, **fields):
        data = {"file": (io.BytesIO(text.encode("utf-8")), "returns.csv"), "channel": "paper"}
        return {**data, **fields}

    bad = client_request.post(
        page_url,
        upload(header_csv([annual_row(), annual_row(kpi_4_4="meh")])),
        form_url=page_url,
        expected_status=400,
        content_type="multipart/form-data",
    )
    cells = [td.get_text(strip=True) for td in bad.page.select("#import-report tbody td")]
    assert cells[:2] == ["3", "kpi_4_4"]
    assert "Nothing was imported" in bad.page.select_one(".govuk-error-summary").get_text()

    good = header_csv([annual_row(), annual_row()])
    checked = client_request.post(
        page_url,
        upload(good, dry_run="y"),
        form_url=page_url,
        expected_status=200,
        content_type="multipart/form-data",
    )
    assert "It has 2 responses" in checked.page.select_one("#dry-run-ok").parent.get_text()
    assert wave_responses(db_session, wave) == []

    done = client_request.post(
        page_url, upload(good), form_url=page_url, content_type="multipart/form-data"
    )
    assert done.location == f"/manage/waves/{wave.id}/returns"
    assert len(wave_responses(db_session, wave)) == 2


def test_the_import_page_asks_for_a_file(client_request, login_as, create_wave):
    login_as("officer")
    wave = create_wave()
    page_url = f"/manage/waves/{wave.id}/import"
    response = client_request.post(
        page_url, {"channel": "paper"}, form_url=page_url, expected_status=400
    )
    assert "Select a CSV file" in response.page.select_one(".govuk-error-summary").get_text()


def test_a_clash_in_a_later_batch_rolls_back_the_earlier_ones(
    db_session, create_wave, create_response, monkeypatch
):
    """Batches are written one after another, but only the last step commits."""
    import feedback.services.importing as importing

    wave = create_wave()
    taken = create_response(wave).reference
    # As if another import stored the same reference between the check and the insert.
    monkeypatch.setattr(importing, "existing_references", lambda session, refs: set())
    rows = [annual_row() for _ in range(importing._BATCH + 20)]
    rows[-1]["reference"] = taken
    result = import_csv(db_session, wave, header_csv(rows), actor="t")
    assert not result.stored and "someone else meanwhile" in str(result.problems[0])
    assert [r.reference for r in wave_responses(db_session, wave)] == [taken]
    rows[-1]["reference"] = ""
    assert import_csv(db_session, wave, header_csv(rows), actor="t").stored
    assert len(wave_responses(db_session, wave)) == importing._BATCH + 21
