"""Survey versions move draft -> forum review -> approved -> retired, and wording freezes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent, Survey, SurveyVersion, VersionStatus
from feedback.models.types import DomainError
from feedback.services import lifecycle
from surveys.loader import DefinitionError


@pytest.fixture
def survey(db_session, load_surveys):
    """The pulse survey, loaded from its file as approved version 1."""
    load_surveys()
    return db_session.scalars(select(Survey).where(Survey.slug == "kpi-pulse")).one()


@pytest.fixture
def officer(create_user):
    return create_user("officer")


@pytest.fixture
def forum_member(create_user):
    return create_user("forum")


@pytest.fixture
def draft(db_session, survey, officer):
    return lifecycle.new_draft(db_session, survey, by=officer)


@pytest.fixture
def in_review(db_session, draft, officer):
    lifecycle.move(db_session, draft, "review", by=officer)
    return draft


def _yaml_with(version, old: str, new: str) -> str:
    text = lifecycle.definition_as_text(version)
    assert old in text
    return text.replace(old, new, 1)


def test_new_draft_copies_the_latest_wording(db_session, survey, draft):
    assert draft.version == 2
    assert draft.status is VersionStatus.DRAFT
    assert draft.definition.questions == survey.versions[0].definition.questions
    assert draft.definition_json["version"] == 2


def test_only_one_draft_at_a_time(db_session, survey, draft, officer):
    with pytest.raises(DomainError, match="already a draft"):
        lifecycle.new_draft(db_session, survey, by=officer)


def test_editing_a_draft_changes_its_wording_and_is_audited(db_session, draft, officer):
    text = _yaml_with(draft, "Quick check-in on SEND support", "Quick check-in")
    lifecycle.edit_definition(db_session, draft, text, by=officer)
    assert draft.definition.title == "Quick check-in"
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "survey.version.edit")
    ).one()
    assert event.user_id == officer.id and event.target == f"survey_version:{draft.id}"


def test_json_is_accepted_as_well_as_yaml(db_session, draft, officer):
    import json

    data = dict(draft.definition_json, title="Check-in (JSON)")
    lifecycle.edit_definition(db_session, draft, json.dumps(data), by=officer)
    assert draft.definition.title == "Check-in (JSON)"


def test_every_problem_in_an_edit_is_reported_with_its_field_path(db_session, draft, officer):
    text = _yaml_with(draft, "type: choice", "type: rating")
    text = text.replace("title: Quick check-in on SEND support", "titel: Oops", 1)
    with pytest.raises(DefinitionError) as caught:
        lifecycle.edit_definition(db_session, draft, text, by=officer)
    problems = caught.value.problems
    assert "titel: unknown field" in problems
    assert "title: required" in problems
    assert any(p.startswith("sections[0].questions[0].type: must be one of") for p in problems)
    db_session.refresh(draft)
    assert draft.definition_json["title"] == "Quick check-in on SEND support"


def test_text_that_is_not_yaml_names_the_line(db_session, draft, officer):
    with pytest.raises(DefinitionError) as caught:
        lifecycle.edit_definition(db_session, draft, "title: [unclosed\nslug: x", by=officer)
    assert caught.value.problems[0].startswith("line ")


def test_the_slug_cannot_be_changed_in_an_edit(db_session, draft, officer):
    text = _yaml_with(draft, "slug: kpi-pulse", "slug: another-survey")
    with pytest.raises(DefinitionError, match="slug: must stay 'kpi-pulse'"):
        lifecycle.edit_definition(db_session, draft, text, by=officer)


def test_a_version_in_review_cannot_be_edited(db_session, in_review, officer):
    text = lifecycle.definition_as_text(in_review)
    with pytest.raises(DomainError, match="Only a draft can be edited"):
        lifecycle.edit_definition(db_session, in_review, text, by=officer)


def test_wording_is_frozen_once_a_wave_has_responses(
    db_session, create_wave, create_response, officer
):
    wave = create_wave("kpi-pulse")
    create_response(wave)
    version = wave.version
    # Even if a version were somehow back in draft, answered wording stays frozen.
    version.status = VersionStatus.DRAFT
    with pytest.raises(DomainError, match="frozen because people have answered it"):
        lifecycle.edit_definition(db_session, version, "title: New", by=officer)
    assert lifecycle.has_responses(db_session, version)


def test_a_wave_without_responses_does_not_freeze_wording(db_session, create_wave):
    wave = create_wave("kpi-pulse")
    assert not lifecycle.has_responses(db_session, wave.version)


def test_approval_needs_a_forum_sign_off(db_session, in_review, officer):
    with pytest.raises(DomainError, match="not signed off"):
        lifecycle.move(db_session, in_review, "approve", by=officer)
    assert in_review.status is VersionStatus.FORUM_REVIEW


def test_approval_after_sign_off_records_who_and_when(
    db_session, in_review, officer, forum_member, frozen_time
):
    moment = frozen_time("2026-12-01T10:00:00")
    lifecycle.sign_off(db_session, in_review, "approve", "", by=forum_member)
    lifecycle.move(db_session, in_review, "approve", by=officer)
    assert in_review.status is VersionStatus.APPROVED
    assert in_review.approved_by == officer.label
    assert in_review.approved_at == moment
    actions = db_session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.startswith("survey."))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "survey.version.create",
        "survey.version.review",
        "survey.review.sign_off",
        "survey.version.approve",
    ]


def test_an_outstanding_request_for_changes_blocks_approval(
    db_session, in_review, officer, forum_member, create_user
):
    other = create_user("forum")
    lifecycle.sign_off(db_session, in_review, "approve", "", by=forum_member)
    lifecycle.sign_off(db_session, in_review, "changes_needed", "Plainer words", by=other)
    with pytest.raises(DomainError, match=f"Changes were asked for by {other.label}"):
        lifecycle.move(db_session, in_review, "approve", by=officer)
    lifecycle.sign_off(db_session, in_review, "approve", "Fine now", by=other)
    lifecycle.move(db_session, in_review, "approve", by=officer)
    assert in_review.status is VersionStatus.APPROVED


def test_asking_for_changes_needs_a_note(db_session, in_review, forum_member):
    with pytest.raises(DomainError, match="Enter what needs to change"):
        lifecycle.sign_off(db_session, in_review, "changes_needed", "  ", by=forum_member)


def test_withdrawing_to_draft_makes_earlier_sign_offs_stale(
    db_session, in_review, officer, forum_member
):
    lifecycle.sign_off(db_session, in_review, "approve", "", by=forum_member)
    lifecycle.move(db_session, in_review, "withdraw", by=officer)
    lifecycle.move(db_session, in_review, "review", by=officer)
    with pytest.raises(DomainError, match="not signed off"):
        lifecycle.move(db_session, in_review, "approve", by=officer)


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ([], "approve"),
        ([], "retire"),
        ([], "withdraw"),
        (["review"], "retire"),
        (["review"], "review"),
    ],
)
def test_invalid_moves_are_refused(db_session, draft, officer, path, action):
    for step in path:
        lifecycle.move(db_session, draft, step, by=officer)
    before = draft.status
    with pytest.raises(DomainError, match="cannot move to"):
        lifecycle.move(db_session, draft, action, by=officer)
    assert draft.status is before


def test_a_retired_version_goes_nowhere(db_session, survey, officer):
    version = survey.versions[0]
    lifecycle.move(db_session, version, "retire", by=officer)
    for action in ("review", "withdraw", "approve", "retire"):
        with pytest.raises(DomainError, match="a retired version cannot move"):
            lifecycle.move(db_session, version, action, by=officer)


def test_a_version_with_an_open_wave_cannot_be_retired(db_session, create_wave, officer):
    wave = create_wave("kpi-pulse")
    with pytest.raises(DomainError, match="Close every wave"):
        lifecycle.move(db_session, wave.version, "retire", by=officer)


def test_comments_are_taken_only_in_review_and_on_real_questions(
    db_session, draft, officer, forum_member
):
    with pytest.raises(DomainError, match="not in forum review"):
        lifecycle.add_comment(db_session, draft, "kpi_4_1", "Hello", by=forum_member)
    lifecycle.move(db_session, draft, "review", by=officer)
    with pytest.raises(DomainError, match="no question"):
        lifecycle.add_comment(db_session, draft, "nope", "Hello", by=forum_member)
    with pytest.raises(DomainError, match="Enter a comment"):
        lifecycle.add_comment(db_session, draft, "kpi_4_1", "   ", by=forum_member)
    comment = lifecycle.add_comment(
        db_session, draft, "kpi_4_1", " Say 'trust' plainly ", by=forum_member
    )
    assert comment.body == "Say 'trust' plainly"
    assert comment.author == forum_member.label
    assert draft.review_comments == [comment]


# The officers' pages


def test_surveys_page_lists_each_survey_with_its_versions(client_request, login_as, survey):
    login_as("officer")
    page = client_request.get("/manage/surveys")
    rows = page.select(f"#versions-{survey.id} .app-version-row")
    assert len(rows) == 1
    assert "Version 1" in rows[0].get_text() and "Approved" in rows[0].get_text()


def test_officer_starts_a_new_version_and_lands_in_the_editor(
    client_request, login_as, survey, db_session
):
    login_as("officer")
    response = client_request.post(
        f"/manage/surveys/{survey.id}/versions", form_url="/manage/surveys"
    )
    page = client_request.get(response.location)
    assert page.select_one("h1").get_text() == "Edit the wording of version 2"
    assert "slug: kpi-pulse" in page.select_one("textarea#definition").get_text()


def test_a_second_draft_is_refused_on_the_page(client_request, login_as, survey, draft):
    login_as("officer")
    response = client_request.post(
        f"/manage/surveys/{survey.id}/versions", form_url="/manage/surveys", expected_status=400
    )
    link = response.page.select_one(".govuk-error-summary a")
    assert "Version 2 of this survey is already a draft" in link.get_text()
    assert link["href"] == "#actions"


def test_editor_lists_every_problem_with_its_field_path(client_request, login_as, draft):
    login_as("officer")
    url = f"/manage/surveys/versions/{draft.id}/edit"
    text = _yaml_with(draft, "type: choice", "type: rating")
    text = text.replace("title: Quick check-in on SEND support\n", "", 1)
    response = client_request.post(url, {"definition": text}, expected_status=400)
    items = [a.get_text(strip=True) for a in response.page.select(".govuk-error-summary a")]
    assert "title: required" in items
    assert any(i.startswith("sections[0].questions[0].type: must be one of") for i in items)
    assert {a["href"] for a in response.page.select(".govuk-error-summary a")} == {"#definition"}
    assert "type: rating" in response.page.select_one("textarea#definition").get_text()
    assert response.page.select_one("#definition-error")


def test_an_empty_definition_is_asked_for(client_request, login_as, draft):
    login_as("officer")
    url = f"/manage/surveys/versions/{draft.id}/edit"
    response = client_request.post(url, {"definition": ""}, expected_status=400)
    link = response.page.select_one(".govuk-error-summary a")
    assert link.get_text(strip=True) == "Enter the survey definition"


def test_officer_saves_new_wording(client_request, login_as, draft, db_session):
    login_as("officer")
    url = f"/manage/surveys/versions/{draft.id}/edit"
    text = _yaml_with(draft, "Quick check-in on SEND support", "A quick check-in")
    response = client_request.post(url, {"definition": text})
    assert response.location == f"/manage/surveys/versions/{draft.id}"
    assert db_session.get(SurveyVersion, draft.id).definition_json["title"] == "A quick check-in"


def test_a_frozen_version_offers_no_editor(client_request, login_as, create_wave, create_response):
    wave = create_wave("kpi-pulse")
    create_response(wave)
    login_as("officer")
    page = client_request.get(f"/manage/surveys/versions/{wave.version.id}")
    assert not page.select("#edit-version")
    assert "Frozen" in page.select_one(".govuk-summary-list").get_text()
    response = client_request.get_response(f"/manage/surveys/versions/{wave.version.id}/edit")
    assert response.status_code == 400
    assert b"frozen because people have answered it" in response.data


def test_approve_without_sign_off_is_refused_on_the_page(client_request, login_as, in_review):
    login_as("officer")
    url = f"/manage/surveys/versions/{in_review.id}"
    response = client_request.post(f"{url}/approve", form_url=url, expected_status=400)
    summary = response.page.select_one(".govuk-error-summary").get_text()
    assert "The forum has not signed off this version yet" in summary


def test_version_page_shows_the_buttons_its_status_allows(client_request, login_as, draft):
    login_as("officer")
    url = f"/manage/surveys/versions/{draft.id}"
    ids = {b["id"] for b in client_request.get(url).select("#actions .govuk-button")}
    assert ids == {"edit-version", "review-version"}
    client_request.post(f"{url}/review", form_url=url)
    ids = {b["id"] for b in client_request.get(url).select("#actions .govuk-button")}
    assert ids == {"withdraw-version", "approve-version"}


def test_a_draft_in_progress_is_never_sent_out_or_copied_over(
    db_session, survey, draft, definitions
):
    from feedback.services.surveys import load_definitions, open_demo_waves

    assert survey.latest is draft and survey.latest_approved is survey.versions[0]
    assert load_definitions(db_session, definitions) == [], "the files still match version 1"
    waves = open_demo_waves(db_session)
    pulse_wave = next(w for w in waves if w.version.survey_id == survey.id)
    assert pulse_wave.version.version == 1
