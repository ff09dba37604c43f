"""Property: any set of valid responses survives export, erase, import, export unchanged.

Free text is drawn from all of Unicode (after the cleaning every channel
applies), so formula-like text, quotes, commas, new lines and astral characters
all go through the CSV and back.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from feedback.models import Response
from feedback.services.exporting import csv_export
from feedback.services.importing import import_csv
from surveys.loader import load_all
from surveys.validation import clean_text

DEFINITION = load_all()["parent-carer-annual"]

free_text = (
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=120)
    | st.sampled_from(["=1+1", "'=1+1", "+44 151", "-2", "@here", '"quoted", comma', "a\nb"])
).map(clean_text)


@st.composite
def answer_sets(draw):
    answers = {}
    for q in DEFINITION.questions:
        if q.type == "text":
            text = draw(free_text)
            if text and len(text) <= q.max_length and (q.required or draw(st.booleans())):
                answers[q.id] = text
            continue
        options = [o for o in q.options if not o.exclusive] or list(q.options)
        if not q.required and draw(st.booleans()):
            continue
        if q.type == "choice":
            answers[q.id] = draw(st.sampled_from([o.code for o in q.options]))
        else:
            answers[q.id] = tuple(
                draw(st.sets(st.sampled_from([o.code for o in options]), min_size=1))
            )
        if q.comment_id and draw(st.booleans()):
            text = draw(free_text)
            if text:
                answers[q.comment_id] = text
    return answers


def export(session, wave) -> bytes:
    return "".join(csv_export(session, wave, actor="property test")).encode("utf-8")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(answer_sets(), min_size=1, max_size=4))
def test_export_import_export_round_trip_is_exact(
    db_session, create_wave, create_response, frozen_time, responses
):
    frozen_time("2026-11-20T10:00:00")
    wave = create_wave("parent-carer-annual")
    for answers in responses:
        create_response(wave, answers)
    first = export(db_session, wave)
    db_session.execute(delete(Response).where(Response.wave_id == wave.id))
    db_session.commit()
    db_session.expunge_all()  # SQLite reuses the ids of the rows just deleted
    wave = db_session.merge(wave)
    result = import_csv(db_session, wave, first, actor="property test")
    assert result.stored, result.problems
    count = db_session.scalar(
        select(func.count()).select_from(Response).where(Response.wave_id == wave.id)
    )
    assert count == len(responses)
    assert export(db_session, wave) == first
