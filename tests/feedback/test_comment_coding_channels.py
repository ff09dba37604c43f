"""Comments are coded whichever way a response arrives: online, keyed from paper, or imported."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from feedback.models import Channel, CommentCoding
from feedback.services.exporting import export_columns
from feedback.services.importing import import_csv
from feedback.services.returns import enter_return

#: Our own sentence (never from the evaluation set), with a name to be redacted.
PAPER_COMMENT = "The school transport escort, Mrs Okafor, is wonderful with my daughter."


def _coded(db_session, wave):
    return db_session.scalars(select(CommentCoding).where(CommentCoding.wave_id == wave.id)).all()


def test_a_keyed_paper_return_has_its_comment_coded_and_redacted(
    db_session, create_wave, complete_answers, create_user
):
    wave = create_wave("parent-carer-annual")
    answers = complete_answers("parent-carer-annual")
    answers["general_comments"] = PAPER_COMMENT
    officer = create_user("officer")
    enter_return(
        db_session,
        wave,
        answers,
        channel=Channel.PAPER,
        received_on=date.today(),
        include_late=None,
        user=officer,
    )
    texts = {c.question_id: c.redacted for c in _coded(db_session, wave)}
    assert "Okafor" not in texts["general_comments"]
    assert "[name]" in texts["general_comments"]


def test_imported_rows_have_their_comments_coded(db_session, create_wave):
    wave = create_wave("kpi-pulse")
    columns = [c.name for c in export_columns(wave.definition)]
    row = {name: "" for name in columns}
    row.update(
        respondent_role="parent",
        ehcp_status="yes",
        kpi_4_1="agree",
        kpi_4_2="good",
        kpi_4_3="good",
        kpi_4_4="agree",
        kpi_4_5="agree",
        kpi_4_6="agree",
        kpi_4_6_comment=PAPER_COMMENT,
        channel="paper",
        received_on=date.today().isoformat(),
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerow(row)
    result = import_csv(db_session, wave, out.getvalue(), actor="test")
    assert result.stored, result.problems
    coded = _coded(db_session, wave)
    assert [c.question_id for c in coded] == ["kpi_4_6_comment"]
    assert "Okafor" not in coded[0].redacted
