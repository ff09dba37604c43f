"""The forum reviews survey wording: comments on each question, then a sign-off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent, Survey, SurveyVersion, VersionStatus
from feedback.models.reviews import ReviewComment, SignOff, SignOffDecision
from feedback.services import lifecycle


@pytest.fixture
def version_in_review(db_session, load_surveys, create_user):
    """Version 2 of the pulse survey, sent to the forum by an officer."""
    load_surveys()
    survey = db_session.scalars(select(Survey).where(Survey.slug == "kpi-pulse")).one()
    officer = create_user("officer")
    version = lifecycle.new_draft(db_session, survey, by=officer)
    lifecycle.move(db_session, version, "review", by=officer)
    return version


def test_forum_sees_versions_waiting_for_review(client_request, login_as, version_in_review):
    login_as("forum")
    page = client_request.get("/forum/reviews")
    row = page.select_one(f"#review-row-{version_in_review.id}")
    assert "Quick check-in on SEND support, version 2" in row.get_text()
    link = row.select_one("a")["href"]
    assert link == f"/forum/reviews/{version_in_review.id}"


def test_drafts_are_not_listed_for_review(client_request, login_as, load_surveys, db_session):
    load_surveys()
    login_as("forum")
    page = client_request.get("/forum/reviews")
    assert page.select_one("#no-reviews")


def test_review_page_shows_every_question_with_its_options(
    client_request, login_as, version_in_review
):
    login_as("forum")
    page = client_request.get(f"/forum/reviews/{version_in_review.id}")
    definition = version_in_review.definition
    blocks = page.select(".app-review-question")
    assert [b["id"] for b in blocks] == [f"question-{q.id}" for q in definition.questions]
    kpi = page.select_one("#question-kpi_4_1")
    assert "measures KPI 4/1" in kpi.get_text()
    options = [li.get_text(" ", strip=True) for li in kpi.select("ul.govuk-list--bullet li")]
    assert options[0].startswith("Strongly agree") and "counts as positive" in options[0]
    assert kpi.select_one("textarea#comment-kpi_4_1[name=body]")
    assert page.select_one("#changes").get_text() == "What changed from version 1"


def test_forum_member_comments_on_a_question(
    client_request, login_as, version_in_review, db_session
):
    member = login_as("forum")
    url = f"/forum/reviews/{version_in_review.id}"
    response = client_request.post(
        f"{url}/comments",
        {"question_id": "kpi_4_2", "body": "Say 'help' not 'support'."},
        form_url=url,
    )
    assert response.location == f"{url}#question-kpi_4_2"
    page = client_request.get(url)
    comments = page.select("#question-kpi_4_2 .app-review-comment")
    assert len(comments) == 1
    assert "Say 'help' not 'support'." in comments[0].get_text()
    assert member.label in comments[0].get_text()
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "survey.review.comment")
    ).one()
    assert event.user_id == member.id and event.detail["question"] == "kpi_4_2"


def test_an_empty_comment_is_shown_as_an_error_on_its_question(
    client_request, login_as, version_in_review, db_session
):
    login_as("forum")
    url = f"/forum/reviews/{version_in_review.id}"
    response = client_request.post(
        f"{url}/comments",
        {"question_id": "kpi_4_3", "body": "   "},
        form_url=url,
        expected_status=400,
    )
    summary = response.page.select_one(".govuk-error-summary")
    link = summary.select_one("a")
    assert link["href"] == "#comment-kpi_4_3" and link.get_text(strip=True) == "Enter a comment"
    assert response.page.select_one("#comment-kpi_4_3-error")
    assert db_session.scalars(select(ReviewComment)).all() == []


def test_comments_on_the_whole_survey_are_kept_apart(client_request, login_as, version_in_review):
    login_as("forum")
    url = f"/forum/reviews/{version_in_review.id}"
    client_request.post(
        f"{url}/comments",
        {"question_id": "_general", "body": "Too long for a pulse."},
        form_url=url,
    )
    page = client_request.get(url)
    assert "Too long for a pulse." in page.select_one(".app-review-comments").get_text()
    assert not page.select(".app-review-question .app-review-comment")


def test_sign_off_is_recorded_and_shown(client_request, login_as, version_in_review, db_session):
    member = login_as("forum")
    url = f"/forum/reviews/{version_in_review.id}"
    client_request.post(f"{url}/sign-off", {"decision": "approve", "note": ""}, form_url=url)
    page = client_request.get(url)
    assert "Signed off" in page.select_one("#standing-sign-offs").get_text()
    entry = db_session.scalars(select(SignOff)).one()
    assert entry.decision is SignOffDecision.APPROVE and entry.user_id == member.id


def test_asking_for_changes_without_saying_what_is_refused(
    client_request, login_as, version_in_review, db_session
):
    login_as("forum")
    url = f"/forum/reviews/{version_in_review.id}"
    response = client_request.post(
        f"{url}/sign-off",
        {"decision": "changes_needed", "note": ""},
        form_url=url,
        expected_status=400,
    )
    link = response.page.select_one(".govuk-error-summary a")
    assert link.get_text(strip=True) == "Enter what needs to change"
    assert link["href"] == "#note"
    assert db_session.scalars(select(SignOff)).all() == []


def test_sign_off_without_a_choice_asks_for_one(client_request, login_as, version_in_review):
    login_as("forum")
    url = f"/forum/reviews/{version_in_review.id}"
    response = client_request.post(
        f"{url}/sign-off", {"note": ""}, form_url=url, expected_status=400
    )
    summary = response.page.select_one(".govuk-error-summary").get_text()
    assert "Select whether the forum signs off this version" in summary


def test_officer_approves_after_the_forum_signs_off(
    client_request, login_as, version_in_review, create_user, db_session
):
    lifecycle.sign_off(db_session, version_in_review, "approve", "", by=create_user("forum"))
    officer = login_as("officer")
    url = f"/manage/surveys/versions/{version_in_review.id}"
    response = client_request.post(f"{url}/approve", form_url=url)
    assert response.location == url
    approved = db_session.get(SurveyVersion, version_in_review.id)
    assert approved.status is VersionStatus.APPROVED
    assert approved.approved_by == officer.label
    page = client_request.get(url)
    assert "Approved" in page.select_one("h1").get_text()


def test_a_reviewed_version_takes_no_more_comments(
    client_request, login_as, version_in_review, create_user, db_session
):
    officer = create_user("officer")
    lifecycle.sign_off(db_session, version_in_review, "approve", "", by=create_user("forum"))
    lifecycle.move(db_session, version_in_review, "approve", by=officer)
    login_as("forum")
    url = f"/forum/reviews/{version_in_review.id}"
    page = client_request.get(url)
    assert not page.select("textarea")
    assert "no longer in forum review" in page.select_one(".govuk-inset-text").get_text()
    token = client_request.csrf_token(url)
    response = client_request.client.post(
        f"{url}/comments", data={"csrf_token": token, "question_id": "kpi_4_1", "body": "Late"}
    )
    assert response.status_code == 400
    assert db_session.scalars(select(ReviewComment)).all() == []
