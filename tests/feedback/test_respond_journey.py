"""The respondent journey: one question a page, saved as you go, sent exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from feedback import clock
from feedback.models import Answer, Draft, Response


def start(client_request, wave):
    response = client_request.post(f"/surveys/{wave.code}/start", form_url=f"/surveys/{wave.code}/")
    return response.location


def answer_all(client_request, wave, answers):
    """Walk the pages in order, answering each from ``answers``; returns the check page URL."""
    url = start(client_request, wave)
    while "/questions/" in url:
        qid = url.rsplit("/", 1)[-1].split("?")[0]
        data = {}
        if qid in answers:
            data["answer"] = answers[qid]
        if f"{qid}_comment" in answers:
            data["comment"] = answers[f"{qid}_comment"]
        response = client_request.post(url, data)
        url = response.location
    return url


def test_start_page_explains_the_survey_and_signposts_help(client_request, create_wave):
    wave = create_wave("parent-carer-annual")
    page = client_request.get(f"/surveys/{wave.code}/")
    assert (
        page.select_one("h1").get_text(strip=True) == "Parent and carer survey about SEND support"
    )
    text = page.get_text(" ", strip=True)
    assert "about 10 minutes" in text
    assert "not a way to make a complaint" in text
    assert page.select_one("a[href$='#sendiass']")
    assert page.select_one("a[href='/privacy']")
    assert page.select_one("button.govuk-button--start, .govuk-button--start")


def test_each_question_is_on_its_own_page_with_nothing_preselected(client_request, create_wave):
    wave = create_wave("parent-carer-annual")
    url = start(client_request, wave)
    page = client_request.get(url)
    legend = page.select_one("legend h1")
    assert (
        legend.get_text(strip=True)
        == "Are you a parent or carer of a child or young person with SEND?"
    )
    assert page.select("input[type=radio]")
    assert not page.select("input[type=radio][checked]")
    assert page.select_one("a.govuk-back-link")["href"] == f"/surveys/{wave.code}/"


def test_kpi_page_has_the_rating_and_a_counted_tell_us_more_box(client_request, create_wave):
    wave = create_wave("kpi-pulse")
    start(client_request, wave)
    page = client_request.get(f"/surveys/{wave.code}/questions/kpi_4_1")
    assert page.select_one("[data-module=govuk-character-count] textarea[name=comment]")
    assert page.select_one("[data-maxlength='2000']")
    divider = page.select_one(".govuk-radios__divider")
    assert divider and divider.get_text(strip=True) == "or"


def test_missing_answer_shows_error_summary_and_title_prefix(client_request, create_wave):
    wave = create_wave("parent-carer-annual")
    url = start(client_request, wave)
    response = client_request.post(url, {}, expected_status=400)
    page = response.page
    assert page.title.get_text().startswith("Error:")
    summary = page.select_one(".govuk-error-summary")
    assert "Select an answer" in summary.get_text()
    assert summary.select_one("a")["href"] == "#answer"
    assert page.select_one("#answer-error")


def test_completed_survey_is_stored_with_segments_and_kpi_answers(
    client_request, create_wave, complete_answers, db_session
):
    wave = create_wave("parent-carer-annual")
    answers = complete_answers("parent-carer-annual")
    check_url = answer_all(client_request, wave, answers)
    assert check_url.endswith("/check")
    page = client_request.get(check_url)
    assert page.select(".govuk-summary-list__row")
    assert page.select_one(".govuk-summary-list__actions a")["href"].endswith("?change=1")
    done = client_request.post(check_url)
    assert done.location.endswith("/done")
    confirmation = client_request.get(done.location)
    reference = confirmation.select_one(".app-reference").get_text(strip=True)
    stored = db_session.scalars(select(Response).where(Response.reference == reference)).one()
    assert (stored.respondent_type, stored.ehcp_status, stored.age_band) == (
        "parent_carer",
        "yes",
        "age_5_10",
    )
    kpi_rows = {a.kpi: a.option_code for a in stored.answers if a.kpi and a.option_code}
    assert kpi_rows == {
        "4/1": "agree",
        "4/2": "good",
        "4/3": "poor",
        "4/4": "disagree",
        "4/5": "agree",
        "4/6": "neither",
    }
    comment = next(a for a in stored.answers if a.question_id == "kpi_4_1_comment")
    assert comment.text == answers["kpi_4_1_comment"] and comment.kpi == "4/1"


def test_double_submit_stores_one_response_and_shows_the_same_reference(
    client_request, create_wave, complete_answers, db_session
):
    wave = create_wave("young-person")
    check_url = answer_all(client_request, wave, complete_answers("young-person"))
    page = client_request.get(check_url)
    hidden = {i["name"]: i["value"] for i in page.select("form input[type=hidden]")}
    first = client_request.post(check_url, hidden, with_token=False)
    second = client_request.post(check_url, hidden, with_token=False)  # back button, resubmit
    assert first.location == second.location
    count = db_session.scalar(
        select(func.count()).select_from(Response).where(Response.wave_id == wave.id)
    )
    assert count == 1
    reference = (
        client_request.get(second.location).select_one(".app-reference").get_text(strip=True)
    )
    assert (
        reference
        == db_session.scalars(select(Response.reference).where(Response.wave_id == wave.id)).one()
    )


def test_submitting_the_same_draft_twice_in_the_service_returns_one_response(
    db_session, create_wave, complete_answers
):
    from feedback.services.responses import save_answers, start_draft, submit_draft

    wave = create_wave("kpi-pulse")
    draft = start_draft(db_session, wave, days=30)
    save_answers(db_session, draft, complete_answers("kpi-pulse"), days=30)
    first = submit_draft(db_session, draft)
    second = submit_draft(db_session, draft)
    assert first.id == second.id
    assert db_session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_sent_draft_found_again_names_its_response_without_loading_it(
    db_session, create_wave, complete_answers
):
    from feedback.services.responses import find_draft, save_answers, start_draft, submit_draft

    wave = create_wave("kpi-pulse")
    draft = start_draft(db_session, wave, days=30)
    save_answers(db_session, draft, complete_answers("kpi-pulse"), days=30)
    assert find_draft(db_session, token=draft.token).response_id is None
    response = submit_draft(db_session, draft)
    db_session.expire_all()

    found = find_draft(db_session, token=draft.token)

    assert found.response_id == response.id
    assert "response" not in found.__dict__  # the response itself was not loaded


def test_a_draft_read_as_a_row_matches_the_loaded_draft_and_follows_its_saves(
    db_session, create_wave, complete_answers
):
    from feedback.services.responses import (
        find_draft,
        find_draft_state,
        save_answers,
        start_draft,
        submit_draft,
    )

    wave = create_wave("kpi-pulse")
    token = start_draft(db_session, wave, days=30).token
    state = find_draft_state(db_session, token)
    answers = complete_answers("kpi-pulse")

    save_answers(db_session, state, answers, days=30)

    loaded = find_draft(db_session, token=token)
    assert state.answers == loaded.answers == answers
    assert (state.id, state.wave_id, state.resume_code, state.expires_at) == (
        loaded.id,
        wave.id,
        loaded.resume_code,
        loaded.expires_at,
    )
    response = submit_draft(db_session, loaded, wave)
    assert find_draft_state(db_session, token).response_id == response.id
    assert find_draft_state(db_session, "no-such-token") is None


def test_sending_a_draft_read_as_unsent_does_not_look_for_its_response(
    db_session, create_wave, complete_answers
):
    from feedback.services.responses import find_draft, save_answers, start_draft, submit_draft

    wave = create_wave("kpi-pulse")
    token = start_draft(db_session, wave, days=30).token
    save_answers(
        db_session, find_draft(db_session, token=token), complete_answers("kpi-pulse"), days=30
    )
    db_session.expire_all()
    draft = find_draft(db_session, token=token)
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(db_session.get_bind(), "before_cursor_execute", note)
    try:
        response = submit_draft(db_session, draft, wave, code_comments=False)
    finally:
        event.remove(db_session.get_bind(), "before_cursor_execute", note)

    assert not [s for s in statements if s.startswith("SELECT") and "response.draft_id" in s]
    assert draft.response is response  # and a second send in this session finds it at once


def test_an_expired_draft_is_not_read_as_a_row(db_session, create_wave):
    from feedback.services.responses import find_draft_state, start_draft

    draft = start_draft(db_session, create_wave("kpi-pulse"), days=30)
    clock.freeze(draft.expires_at)

    assert find_draft_state(db_session, draft.token) is None


def test_an_answer_sent_again_after_submitting_goes_to_the_confirmation(
    client_request, create_wave, complete_answers
):
    answers = complete_answers("young-person")
    wave = create_wave("young-person")
    check_url = answer_all(client_request, wave, answers)
    page = client_request.get(check_url)
    hidden = {i["name"]: i["value"] for i in page.select("form input[type=hidden]")}
    done = client_request.post(check_url, hidden, with_token=False).location
    qid = next(iter(answers))

    # The back button, then the old page's form sent again.
    again = client_request.post(
        f"/surveys/{wave.code}/questions/{qid}",
        {**hidden, "answer": answers[qid]},
        with_token=False,
    )

    assert again.location == done


def test_unique_draft_constraint_refuses_a_second_response_row(
    db_session, create_wave, complete_answers
):
    from sqlalchemy.exc import IntegrityError

    from feedback.services.responses import build_response, start_draft

    wave = create_wave("kpi-pulse")
    draft = start_draft(db_session, wave, days=30)
    for _ in range(2):
        response = build_response(wave, complete_answers("kpi-pulse"))
        response.draft_id = draft.id
        db_session.add(response)
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()


def test_answers_are_saved_on_the_server_after_every_page(client_request, create_wave, db_session):
    wave = create_wave("kpi-pulse")
    url = start(client_request, wave)
    client_request.post(url, {"answer": "carer"})
    draft = db_session.scalars(select(Draft).where(Draft.wave_id == wave.id)).one()
    db_session.refresh(draft)
    assert draft.answers == {"respondent_role": "carer"}


def test_save_and_come_back_later_gives_a_link_and_code_that_resume_with_answers_kept(
    app, client_request, create_wave, db_session
):
    wave = create_wave("kpi-pulse")
    url = start(client_request, wave)
    nxt = client_request.post(url, {"answer": "parent"}).location
    saved = client_request.post(nxt, {"answer": "yes", "save": "1"})
    assert saved.location.endswith("/saved")
    page = client_request.get(saved.location)
    code = page.select_one("#resume-code").get_text(strip=True)
    link = page.select_one(".app-resume-link a")["href"]

    # A new browser, 20 hours later: resume by code.
    clock.freeze(clock.now() + timedelta(hours=20))
    fresh = type(client_request)(app.test_client())
    resumed = fresh.post("/resume", {"code": code.lower().replace("-", " ")}, form_url="/resume")
    assert resumed.location.endswith("/questions/kpi_4_1")
    back = fresh.get(f"/surveys/{wave.code}/questions/ehcp_status")
    assert back.select_one("input[value=yes]").has_attr("checked")

    # And by link, in yet another browser.
    other = type(client_request)(app.test_client())
    assert other.get_response(link.replace("http://localhost", "")).location.endswith(
        "/questions/kpi_4_1"
    )


def test_wrong_resume_code_is_an_error_on_the_field(client_request, load_surveys):
    response = client_request.post("/resume", {"code": "AAAA-BBBB"}, expected_status=400)
    assert "Enter the resume code" in response.page.select_one(".govuk-error-summary").get_text()


def test_expired_draft_cannot_be_resumed(client_request, create_wave, db_session):
    wave = create_wave("kpi-pulse")
    start(client_request, wave)
    draft = db_session.scalars(select(Draft).where(Draft.wave_id == wave.id)).one()
    clock.freeze(draft.expires_at + timedelta(minutes=1))
    client_request.get(f"/resume/{draft.token}", expected_status=404)


def test_expired_csrf_token_reshows_the_page_with_the_answer_kept(
    client_request, create_wave, db_session
):
    wave = create_wave("kpi-pulse")
    url = start(client_request, wave)
    page = client_request.get(url)
    draft_token = page.select_one("input[name=draft]")["value"]
    response = client_request.post(
        url,
        {"answer": "carer", "draft": draft_token, "csrf_token": "stale"},
        with_token=False,
        expected_status=400,
    )
    assert "session timed out" in response.page.select_one(".govuk-error-summary").get_text()
    assert response.page.select_one("input[value=carer]").has_attr("checked")
    # Sending it again with the fresh token from the re-shown page saves it.
    fresh = {i["name"]: i["value"] for i in response.page.select("form input[type=hidden]")}
    ok = client_request.post(url, {**fresh, "answer": "carer"}, with_token=False)
    assert ok.location.endswith("/questions/ehcp_status")


def test_lost_session_finds_the_draft_from_the_page(app, client_request, create_wave, db_session):
    wave = create_wave("kpi-pulse")
    url = start(client_request, wave)
    page = client_request.get(url)
    hidden = {i["name"]: i["value"] for i in page.select("form input[type=hidden]")}
    # A different browser session (cookie lost) posting the same page with its own CSRF token.
    other = type(client_request)(app.test_client())
    token = other.csrf_token("/resume")
    response = other.post(
        url, {**hidden, "csrf_token": token, "answer": "parent"}, with_token=False
    )
    assert response.location.endswith("/questions/ehcp_status")
    draft = db_session.scalars(select(Draft).where(Draft.token == hidden["draft"])).one()
    db_session.refresh(draft)
    assert draft.answers["respondent_role"] == "parent"


def test_free_text_is_escaped_on_the_check_page(client_request, create_wave):
    wave = create_wave("young-person")
    url = start(client_request, wave)
    script = "<script>alert('x')</script>{{7*7}}"
    answers = {
        "yp_age": "age_11_15",
        "yp_ehcp": "no",
        "yp_kpi_4_2": "always",
        "yp_kpi_4_2_comment": script,
        "yp_kpi_4_3": "no",
        "yp_kpi_4_6": "same",
        "yp_general": script,
    }
    while "/questions/" in url:
        qid = url.rsplit("/", 1)[-1]
        data = {"answer": answers.get(qid, "")}
        if f"{qid}_comment" in answers:
            data["comment"] = answers[f"{qid}_comment"]
        url = client_request.post(url, data).location
    raw = client_request.get_response(url).data.decode()
    assert "<script>alert" not in raw
    assert "&lt;script&gt;alert" in raw
    assert "{{7*7}}" in raw


def test_easy_read_pages_show_symbols_with_text_alternatives(client_request, create_wave):
    wave = create_wave("young-person")
    start(client_request, wave)
    page = client_request.get(f"/surveys/{wave.code}/questions/yp_kpi_4_2")
    images = page.select("img")
    assert images and all(img.get("alt") for img in images)
    assert page.select_one(".app-easy-read")


@pytest.mark.parametrize(
    ("state", "heading"),
    [
        ("closed", "This survey has closed"),
        ("scheduled", "This survey is not open yet"),
        ("not_yet_open", "This survey is not open yet"),
    ],
)
def test_survey_outside_its_window_shows_a_clear_page_not_the_form(
    client_request, create_wave, state, heading
):
    wave = create_wave("kpi-pulse", state=state)
    page = client_request.get(f"/surveys/{wave.code}/")
    assert page.select_one("h1").get_text(strip=True) == heading
    assert not page.select("form")
    assert client_request.get_response(f"/surveys/{wave.code}/questions/kpi_4_1").status_code == 200


def test_unknown_survey_is_a_404_page(client_request, load_surveys):
    page = client_request.get("/surveys/no-such-wave/", expected_status=404)
    assert page.select_one("h1").get_text(strip=True) == "Page not found"


def test_answers_are_stored_one_row_per_answer(
    client_request, create_wave, complete_answers, db_session
):
    wave = create_wave("kpi-pulse")
    check_url = answer_all(client_request, wave, complete_answers("kpi-pulse"))
    client_request.post(check_url)
    rows = db_session.scalar(
        select(func.count()).select_from(Answer).where(Answer.wave_id == wave.id)
    )
    assert rows == len(complete_answers("kpi-pulse"))


def test_a_too_long_comment_is_shown_on_the_comment_box_with_any_other_error(
    client_request, create_wave
):
    wave = create_wave("kpi-pulse")
    start(client_request, wave)
    url = f"/surveys/{wave.code}/questions/kpi_4_1"
    response = client_request.post(url, {"comment": "x" * 2001}, expected_status=400)
    page = response.page
    links = [(a["href"], a.get_text(strip=True)) for a in page.select(".govuk-error-summary a")]
    assert links == [
        ("#answer", "Select an answer"),
        ("#comment", "Your answer must be 2,000 characters or fewer"),
    ]
    assert page.select_one("#comment-error")
    assert page.select_one("textarea#comment").get_text() == "x" * 2001
