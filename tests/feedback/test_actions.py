""" "You said, we did": officers record and edit actions with history; forum members comment."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from feedback.models import Action, ActionStatus, AuditEvent
from feedback.services.actions import (
    ActionError,
    add_comment,
    create_action,
    set_published,
    subject_choices,
    update_action,
)

FIELDS = {
    "subject": "theme:waiting_times",
    "you_said": "Waiting lists for speech and language therapy are too long.",
    "we_did": "We funded two more therapists and publish waiting times every month.",
    "owner": "Designated Clinical Officer",
    "status": "on_target",
    "due_on": date(2027, 3, 31),
}


@pytest.fixture
def new_action(db_session, create_user):
    """``new_action(**overrides)`` records an action as a new officer."""
    officer = create_user("officer")

    def make(**overrides) -> Action:
        return create_action(db_session, **{**FIELDS, **overrides}, by=officer)

    return make


def _form(**overrides) -> dict:
    values = {**FIELDS, **overrides}
    due = values.pop("due_on")
    values["due_on"] = [str(due.day), str(due.month), str(due.year)] if due else ["", "", ""]
    return values


def test_every_kpi_and_active_theme_can_be_answered():
    values = dict(subject_choices())
    assert "kpi:4/1" in values and "kpi:4/6" in values
    assert values["theme:waiting_times"] == "Theme: Waiting times"


def test_a_new_action_is_unpublished_with_a_first_history_row(new_action, db_session):
    action = new_action()
    assert not action.published
    assert action.status is ActionStatus.ON_TARGET
    [first] = action.updates
    assert first.changed == ["created"] and first.old_status is None
    assert first.actor.startswith("Test officer")
    assert db_session.scalars(select(AuditEvent.action)).all()[-1] == "action.create"


def test_an_action_needs_a_known_subject_and_words(new_action):
    with pytest.raises(ActionError, match="Select the theme or KPI"):
        new_action(subject="theme:not_a_theme")
    with pytest.raises(ActionError, match="Enter what we heard"):
        new_action(you_said="   ")


def test_each_edit_adds_a_dated_history_row_from_old_to_new_status(
    new_action, db_session, create_user, frozen_time
):
    frozen_time("2026-11-01T09:00:00")
    action = new_action()
    board_officer = create_user("officer")
    frozen_time("2026-12-02T10:30:00")
    update = update_action(
        db_session,
        action,
        **{**FIELDS, "status": "at_risk", "owner": "SEND Team Manager"},
        note="Recruitment has slipped.",
        by=board_officer,
    )
    assert update.old_status is ActionStatus.ON_TARGET
    assert update.new_status is ActionStatus.AT_RISK
    assert update.changed == ["owner", "status"]
    assert update.at == datetime(2026, 12, 2, 10, 30)
    assert update.actor == board_officer.label
    assert update.note == "Recruitment has slipped."
    assert [u.changed for u in action.updates] == [["created"], ["owner", "status"]]


def test_an_edit_that_changes_nothing_needs_a_progress_note(new_action, db_session):
    action = new_action()
    with pytest.raises(ActionError, match="Change something or enter a note"):
        update_action(db_session, action, **FIELDS)
    update = update_action(db_session, action, **FIELDS, note="Met the provider on 3 December.")
    assert update.changed == [] and not update.status_changed


def test_publishing_is_recorded_in_the_history_and_audit(new_action, db_session):
    action = new_action()
    set_published(db_session, action, True)
    set_published(db_session, action, True)  # publishing twice changes nothing
    set_published(db_session, action, False)
    assert [u.changed for u in action.updates] == [["created"], ["published"], ["unpublished"]]
    audited = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.target == f"action:{action.id}")
    ).all()
    assert audited == ["action.create", "action.publish", "action.unpublish"]


def test_comments_must_have_words(new_action, db_session):
    action = new_action()
    with pytest.raises(ActionError, match="Enter your comment"):
        add_comment(db_session, action, "  ")
    comment = add_comment(db_session, action, "Good to see this moving.")
    assert action.comments == [comment]


# Officer pages


@pytest.mark.parametrize("role", ["forum", "board"])
def test_only_officers_can_manage_actions(login_as, client_request, role):
    login_as(role)
    client_request.get("/manage/actions", expected_status=403)
    client_request.get("/manage/actions/new", expected_status=403)


def test_officer_records_an_action_from_the_form(login_as, client_request, db_session):
    login_as("officer")
    response = client_request.post("/manage/actions/new", _form())
    action = db_session.scalars(select(Action)).one()
    assert response.location == f"/manage/actions/{action.id}"
    assert action.due_on == date(2027, 3, 31)
    page = client_request.get("/manage/actions")
    row = page.select_one(f"#action-row-{action.id}")
    assert "Waiting times" in row.select_one("th").get_text()
    assert row.select_one(".app-status-tag").get_text(strip=True) == "Underway and on target"
    assert row.select_one(".app-published").get_text(strip=True) == "Not published"


def test_the_form_shows_errors_the_govuk_way(login_as, client_request):
    login_as("officer")
    response = client_request.post(
        "/manage/actions/new",
        _form(subject="", you_said="", due_on=None) | {"due_on": ["31", "2", "2027"]},
        form_url="/manage/actions/new",
        expected_status=400,
    )
    summary = response.page.select_one(".govuk-error-summary").get_text()
    assert "Select the theme or KPI this action answers" in summary
    assert "Enter what we heard" in summary
    assert "must be a real date" in summary


def test_editing_shows_the_change_in_the_history_table(
    login_as, client_request, new_action, db_session
):
    action = new_action()
    officer = login_as("officer")
    url = f"/manage/actions/{action.id}"
    client_request.post(url, _form(status="completed", note="Signed off by the board."))
    page = client_request.get(url)
    newest = page.select("#history .app-history-row")[0].get_text(" ", strip=True)
    assert "Status changed from “Underway and on target” to “Completed and signed off”" in newest
    assert officer.label in newest and "Signed off by the board." in newest
    assert len(page.select("#history .app-history-row")) == 2
    assert page.select_one("input[name=status][value=completed]").has_attr("checked")


def test_officer_publishes_and_unpublishes(login_as, client_request, new_action, db_session):
    action = new_action()
    login_as("officer")
    url = f"/manage/actions/{action.id}"
    client_request.post(f"{url}/publish", form_url=url)
    assert db_session.get(Action, action.id).published
    page = client_request.get(url)
    assert "is on the public page" in page.select_one("#publish-state").get_text()
    client_request.post(f"{url}/unpublish", form_url=url)
    assert not db_session.get(Action, action.id).published


def test_publishing_needs_the_csrf_token(login_as, client_request, new_action):
    action = new_action()
    login_as("officer")
    client_request.post(
        f"/manage/actions/{action.id}/publish", with_token=False, expected_status=400
    )


def test_a_missing_action_is_not_found(login_as, client_request):
    login_as("officer")
    client_request.get("/manage/actions/9999", expected_status=404)


# Forum pages


@pytest.mark.parametrize("role", ["forum", "board", "officer"])
def test_forum_board_and_officers_can_read_actions_and_history(
    login_as, client_request, new_action, role
):
    action = new_action()
    login_as(role)
    page = client_request.get("/forum/actions")
    assert page.select_one(f"#action-row-{action.id} .app-comment-count").get_text() == "0"
    page = client_request.get(f"/forum/actions/{action.id}")
    assert page.select("#history .app-history-row")
    assert bool(page.select("#comment-form")) == (role != "board")


def test_forum_member_comments_on_an_action(login_as, client_request, new_action, db_session):
    action = new_action()
    member = login_as("forum")
    url = f"/forum/actions/{action.id}"
    response = client_request.post(
        f"{url}/comments", {"body": "Families at our coffee morning noticed."}, form_url=url
    )
    assert response.location == f"{url}#comments"
    page = client_request.get(url)
    comment = page.select_one(".app-comment").get_text(" ", strip=True)
    assert member.label in comment and "Families at our coffee morning noticed." in comment


def test_an_empty_comment_is_refused_with_an_error(login_as, client_request, new_action):
    action = new_action()
    login_as("forum")
    url = f"/forum/actions/{action.id}"
    response = client_request.post(
        f"{url}/comments", {"body": " "}, form_url=url, expected_status=400
    )
    assert "Enter your comment" in response.page.select_one(".govuk-error-summary").get_text()


def test_board_members_cannot_comment(login_as, client_request, new_action, db_session):
    action = new_action()
    login_as("board")
    url = f"/forum/actions/{action.id}"
    client_request.post(f"{url}/comments", {"body": "Hi"}, form_url=url, expected_status=403)
    assert not db_session.get(Action, action.id).comments


def test_officer_text_is_escaped_on_staff_pages(login_as, client_request, new_action):
    action = new_action(we_did="<script>alert('x')</script> & more")
    login_as("forum")
    page = client_request.get(f"/forum/actions/{action.id}")
    assert "<script>alert('x')</script> & more" in page.select_one(".app-we-did").get_text()
    assert not page.select(".app-we-did script")
