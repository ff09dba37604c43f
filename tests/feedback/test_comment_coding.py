"""Comments are coded when a response arrives, stored redacted, and survive their raw text."""

from __future__ import annotations

from sqlalchemy import func, select, update

from feedback.models import Answer, AuditEvent, CodebookVersion, CommentCoding, Response
from feedback.models.comments import AUTO, HUMAN
from feedback.services.comments import (
    code_new_comments,
    redacted_evidence,
    reveal_raw,
    save_human_coding,
)
from feedback.services.responses import save_answers, start_draft, submit_draft

#: Our own test sentences (never from the evaluation set).
TAXI_COMMENT = "The taxi to school turned up late again, Mrs Harrington never rings back."
CAMHS_COMMENT = "We waited for Tobias Wren two years before CAMHS saw him. Call 07700 900456."


def _codings(db_session, response_id):
    return db_session.scalars(
        select(CommentCoding)
        .where(CommentCoding.response_id == response_id)
        .order_by(CommentCoding.question_id)
    ).all()


def test_submitting_online_codes_each_comment_with_themes_and_redacted_text(
    db_session, create_wave, complete_answers
):
    wave = create_wave()
    answers = complete_answers("parent-carer-annual")
    answers["kpi_4_1_comment"] = TAXI_COMMENT
    answers["general_comments"] = CAMHS_COMMENT
    draft = start_draft(db_session, wave, days=30)
    save_answers(db_session, draft, answers, days=30)

    response = submit_draft(db_session, draft)

    codings = {c.question_id: c for c in _codings(db_session, response.id)}
    assert set(codings) == {"general_comments", "kpi_4_1_comment"}
    taxi = codings["kpi_4_1_comment"]
    assert "transport" in taxi.theme_keys(AUTO)
    assert "taxi" in taxi.evidence["transport"]
    assert taxi.kpi == "4/1" and taxi.wave_id == wave.id
    assert "Harrington" not in taxi.redacted and "[name]" in taxi.redacted
    general = codings["general_comments"]
    assert {"waiting_times", "health_services"} <= set(general.theme_keys(AUTO))
    assert general.kpi is None
    assert "07700" not in general.redacted and "[phone]" in general.redacted
    assert general.sentiment in ("negative", "mixed")
    assert general.codebook_version_id == db_session.scalar(select(CodebookVersion.id))


def test_evidence_that_swallows_a_name_is_kept_only_in_redacted_form(db_session):
    raw = CAMHS_COMMENT
    start = raw.index("Tobias")
    pii = [{"kind": "person_name", "start": start, "end": start + len("Tobias Wren")}]
    redacted = raw[:start] + "[name]" + raw[start + len("Tobias Wren") :]

    evidence, highlights = redacted_evidence(
        raw, pii, redacted, {"waiting_times": ["for tobias wren two years"]}
    )

    assert evidence == {"waiting_times": ["for [name] two years"]}
    ((s, e, theme),) = highlights
    assert redacted[s:e] == "for [name] two years" and theme == "waiting_times"


def test_coding_survives_when_the_retention_job_deletes_the_raw_answer(
    db_session, create_wave, create_response
):
    wave = create_wave()
    response = create_response(wave)
    code_new_comments(db_session, response_ids=[response.id])
    coding_ids = [c.id for c in _codings(db_session, response.id)]

    db_session.execute(Answer.__table__.delete().where(Answer.response_id == response.id))
    db_session.commit()
    db_session.expire_all()

    kept = _codings(db_session, response.id)
    assert [c.id for c in kept] == coding_ids
    assert all(c.answer_id is None and c.redacted for c in kept)
    assert any(c.theme_keys(AUTO) for c in kept)


def test_nulled_raw_text_is_recoded_from_the_redacted_text(
    db_session, create_wave, create_response
):
    wave = create_wave()
    response = create_response(wave)
    code_new_comments(db_session, response_ids=[response.id])
    db_session.execute(update(Answer).where(Answer.response_id == response.id).values(text=None))
    db_session.commit()

    recoded = code_new_comments(db_session, response_ids=[response.id], force=True)

    assert recoded == 2
    assert all(c.redacted for c in _codings(db_session, response.id))


def test_erasing_a_response_takes_its_coded_comments_with_it(
    db_session, create_wave, create_response
):
    wave = create_wave()
    response = create_response(wave)
    code_new_comments(db_session, response_ids=[response.id])

    db_session.execute(Response.__table__.delete().where(Response.id == response.id))
    db_session.commit()

    assert _codings(db_session, response.id) == []


def test_coding_twice_does_not_duplicate(db_session, create_wave, create_response):
    wave = create_wave()
    response = create_response(wave)
    assert code_new_comments(db_session, wave_id=wave.id) == 2
    assert code_new_comments(db_session, wave_id=wave.id) == 0
    assert len(_codings(db_session, response.id)) == 2


def test_human_coding_replaces_the_automatic_themes_and_sentiment(
    db_session, create_wave, create_response, create_user
):
    wave = create_wave()
    response = create_response(wave)
    code_new_comments(db_session, response_ids=[response.id])
    coding = _codings(db_session, response.id)[0]
    forum = create_user("forum")

    save_human_coding(db_session, coding, themes=["transport"], sentiment="positive", by=forum)

    db_session.expire_all()
    coding = db_session.get(CommentCoding, coding.id)
    assert coding.final_themes == ["transport"] and coding.final_sentiment == "positive"
    assert coding.theme_keys(HUMAN) == ["transport"]
    assert coding.human.coded_by == forum.email
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "comment.code")).one()
    assert event.target == f"comment:{coding.id}"


def test_raw_view_is_audited_with_the_reason(db_session, create_wave, create_response, create_user):
    wave = create_wave()
    response = create_response(wave)
    code_new_comments(db_session, response_ids=[response.id])
    coding = _codings(db_session, response.id)[0]
    officer = create_user("officer")

    text = reveal_raw(db_session, coding, by=officer, reason="Safeguarding check")

    assert text == db_session.get(Answer, coding.answer_id).text
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "comment.raw_view")
    ).one()
    assert event.user_id == officer.id and event.detail["reason"] == "Safeguarding check"


def test_coding_skips_answers_another_process_coded_meanwhile(
    db_session, create_wave, create_response
):
    from feedback.services.codebook import coder_for, ensure_codebook
    from feedback.services.comments import _code_answers

    response = create_response(create_wave())
    answer_ids = db_session.scalars(
        select(Answer.id)
        .where(Answer.response_id == response.id, Answer.text.is_not(None))
        .order_by(Answer.id)
    ).all()
    code_new_comments(db_session, response_ids=[response.id])  # the "other process"
    version = ensure_codebook(db_session)

    assert _code_answers(db_session, list(answer_ids), version, coder_for(version)) == 0
    db_session.commit()
    assert len(_codings(db_session, response.id)) == 2


def test_seeding_the_codebook_just_after_another_process_did_takes_theirs(db_session, monkeypatch):
    from feedback.services import codebook

    theirs = codebook.ensure_codebook(db_session)
    db_session.commit()
    real_latest = codebook.latest_version
    looks = []

    def latest_version(session):
        looks.append(session)
        # The first look comes before the other process's insert lands.
        return None if len(looks) == 1 else real_latest(session)

    monkeypatch.setattr(codebook, "latest_version", latest_version)

    mine = codebook.ensure_codebook(db_session)
    db_session.commit()

    assert mine.id == theirs.id
    assert len(looks) == 2
    assert db_session.scalar(select(func.count()).select_from(CodebookVersion)) == 1
