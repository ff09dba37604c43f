"""Administrators reactivate a deactivated staff account, with a new password."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from feedback.models import AuditEvent, User
from feedback.services import users as user_service
from tests.fixtures.users import PASSWORD

NEW_PASSWORD = "a-brand-new-password"


@pytest.fixture
def deactivated(create_user, db_session):
    """A forum member's account, deactivated."""
    user = create_user("forum")
    return user_service.deactivate(db_session, user.email)


def _url(user) -> str:
    return f"/manage/users/{user.id}/reactivate"


def _signs_in(app, email: str, password: str) -> bool:
    other = app.test_client()
    form = BeautifulSoup(other.get("/staff/login").data, "html.parser")
    token = form.select_one("input[name=csrf_token]")["value"]
    response = other.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code == 302


def test_a_deactivated_account_is_tagged_and_offers_reactivation(
    client_request, login_as, deactivated, create_user
):
    active = create_user("board")
    login_as("admin")
    page = client_request.get("/manage/users")
    row = page.select_one(f"#user-{deactivated.id}")
    assert row.select_one(".govuk-tag").get_text(strip=True) == "Deactivated"
    link = row.select_one(f"#reactivate-{deactivated.id}")
    assert link["href"] == _url(deactivated)
    assert link.get_text(" ", strip=True) == f"Reactivate {deactivated.email}"
    other = page.select_one(f"#user-{active.id}")
    assert other.select_one(".govuk-tag").get_text(strip=True) == "Active"
    assert not other.select(f"#reactivate-{active.id}")


def test_reactivating_asks_for_a_new_password_first(client_request, login_as, deactivated):
    login_as("admin")
    page = client_request.get(_url(deactivated))
    assert page.select_one("h1").get_text() == f"Reactivate {deactivated.label}?"
    assert page.select_one("input#password[type=password]")
    assert page.select_one("#confirm-reactivate").get_text(strip=True) == "Reactivate account"


def test_a_reactivated_account_signs_in_with_the_new_password_only(
    client_request, login_as, deactivated, db_session, app
):
    admin = login_as("admin")
    assert not _signs_in(app, deactivated.email, PASSWORD)
    response = client_request.post(_url(deactivated), {"password": NEW_PASSWORD})
    assert response.location == "/manage/users"
    user = db_session.get(User, deactivated.id)
    assert user.active
    assert _signs_in(app, deactivated.email, NEW_PASSWORD)
    assert not _signs_in(app, deactivated.email, PASSWORD), "the old password stays dead"
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.reactivate")
    ).one()
    assert event.user_id == admin.id and event.target == f"user:{deactivated.id}"
    assert NEW_PASSWORD not in str(event.detail)
    page = client_request.get("/manage/users")
    banner = page.select_one(".govuk-notification-banner--success").get_text()
    assert f"{deactivated.email} is reactivated" in banner
    row = page.select_one(f"#user-{deactivated.id}")
    assert row.select_one(".govuk-tag").get_text(strip=True) == "Active"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "Enter a new password"),
        ("too-short", "Password must be between 12 and 200 characters"),
    ],
)
def test_reactivating_needs_a_long_enough_new_password(
    client_request, login_as, deactivated, db_session, password, message
):
    login_as("admin")
    response = client_request.post(_url(deactivated), {"password": password}, expected_status=400)
    link = response.page.select_one(".govuk-error-summary a")
    assert link["href"] == "#password"
    assert link.get_text(strip=True) == message
    assert not db_session.get(User, deactivated.id).active


def test_an_active_account_cannot_be_reactivated(client_request, login_as, create_user, db_session):
    active = create_user("officer")
    login_as("admin")
    page = client_request.get(_url(active), expected_status=400)
    link = page.select_one(".govuk-error-summary a")
    assert link["href"] == f"#user-{active.id}"
    assert link.get_text(strip=True) == (
        f"You can only reactivate a deactivated account: {active.email} is active"
    )
    token = client_request.csrf_token("/manage/users")
    response = client_request.client.post(
        _url(active), data={"password": NEW_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    assert not db_session.get(User, active.id).check_password(NEW_PASSWORD)
    actions = db_session.scalars(select(AuditEvent.action)).all()
    assert "user.reactivate" not in actions


def test_the_service_refuses_an_account_that_is_not_deactivated(create_user, db_session):
    active = create_user("board")
    with pytest.raises(user_service.UserError, match="is not deactivated"):
        user_service.reactivate(db_session, active.email, NEW_PASSWORD)


def test_a_missing_account_is_not_found(client_request, login_as):
    login_as("admin")
    client_request.get("/manage/users/987654/reactivate", expected_status=404)
