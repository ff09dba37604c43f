"""Row-level CSV/XLSX export and CSV import: one format, round trips, neutralised formulas."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from feedback.models import AuditEvent, Channel, Response
from feedback.services.exporting import (
    METADATA_COLUMNS,
    export_columns,
    export_file,
    neutralise,
    restore,
)

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
