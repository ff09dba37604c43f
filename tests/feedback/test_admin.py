"""Administrators manage staff accounts and read the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback.models import AuditEvent, User
from feedback.permissions import Role
from feedback.services.audit import record
from tests.fixtures.users import PASSWORD


def _new_user(**overrides) -> dict:
    data = {
        "email": "New.Person@Example.org",
        "name": "New Person",
        "role": "forum",
        "password": "a-long-initial-password",
    }
    data.update(overrides)
    return data


def test_users_page_lists_accounts_with_role_and_status(client_request, login_as, create_user):
    forum = create_user("forum")
    admin = login_as("admin")
    page = client_request.get("/manage/users")
    row = page.select_one(f"#user-{forum.id}")
    assert forum.email in row.get_text()
    assert row.select_one(".app-user-role").get_text() == "forum"
    assert row.select_one(f"#deactivate-{forum.id}")
    assert not page.select(f"#deactivate-{admin.id}"), "no link to lock yourself out"


def test_admin_creates_an_account_that_can_sign_in(client_request, login_as, db_session, app):
    admin = login_as("admin")
    response = client_request.post("/manage/users/new", _new_user())
    assert response.location == "/manage/users"
    user = db_session.scalars(select(User).where(User.email == "new.person@example.org")).one()
    assert user.role is Role.FORUM and user.name == "New Person" and user.active
    assert user.check_password("a-long-initial-password")
    event = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.target == f"user:{user.id}"
        )
    ).one()
    assert event.user_id == admin.id and event.detail["role"] == "forum"
    other = app.test_client()
    signed_in = other.post(
        "/staff/login",
        data={
            "email": "new.person@example.org",
            "password": "a-long-initial-password",
            "csrf_token": _token(other),
        },
    )
    assert signed_in.status_code == 302


def _token(client) -> str:
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/staff/login").data, "html.parser")
    return page.select_one("input[name=csrf_token]")["value"]


@pytest.mark.parametrize(
    ("overrides", "href", "message"),
    [
        ({"email": ""}, "#email", "Enter an email address"),
        ({"email": "not-an-email"}, "#email", "Enter an email address in the correct format"),
        ({"name": ""}, "#name", "Enter the person's name"),
        ({"role": ""}, "#role", "Select a role"),
        ({"password": "short"}, "#password", "Password must be between 12 and 200"),
    ],
)
def test_account_form_errors_name_the_field(client_request, login_as, overrides, href, message):
    login_as("admin")
    response = client_request.post("/manage/users/new", _new_user(**overrides), expected_status=400)
    link = response.page.select_one(".govuk-error-summary a")
    assert link["href"] == href
    assert link.get_text(strip=True).startswith(message)


def test_an_email_is_used_for_one_account(client_request, login_as, create_user):
    existing = create_user("board")
    login_as("admin")
    response = client_request.post(
        "/manage/users/new", _new_user(email=existing.email.upper()), expected_status=400
    )
    assert "There is already an account" in response.page.select_one(".govuk-error-summary").text


def test_deactivating_an_account_signs_it_out(
    client_request, login_as, create_user, db_session, app
):
    victim = create_user("officer")
    other = app.test_client()
    other.post(
        "/staff/login",
        data={"email": victim.email, "password": PASSWORD, "csrf_token": _token(other)},
    )
    assert other.get("/staff/").status_code == 200
    admin = login_as("admin")
    url = f"/manage/users/{victim.id}/deactivate"
    confirm = client_request.get(url)
    assert confirm.select_one("h1").get_text() == f"Deactivate {victim.label}?"
    assert other.get("/staff/").status_code == 200, "asking changes nothing"
    client_request.post(url)
    assert not db_session.get(User, victim.id).active
    assert other.get("/staff/").status_code == 302
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.deactivate")
    ).one()
    assert event.user_id == admin.id and event.target == f"user:{victim.id}"


def test_admins_cannot_deactivate_themselves(client_request, login_as, db_session):
    admin = login_as("admin")
    token = client_request.csrf_token("/manage/users")
    response = client_request.client.post(
        f"/manage/users/{admin.id}/deactivate", data={"csrf_token": token}
    )
    assert response.status_code == 400
    assert db_session.get(User, admin.id).active


def test_audit_log_is_newest_first_and_filters_by_action(
    client_request, login_as, db_session, frozen_time
):
    frozen_time("2027-01-10T09:00:00")
    record(db_session, "export.csv", actor="old@example.org", target="wave:1")
    db_session.commit()
    frozen_time("2027-01-11T09:00:00")
    record(db_session, "export.csv", actor="new@example.org", target="wave:2")
    db_session.commit()
    login_as("admin")
    page = client_request.get("/manage/audit?action=export.csv")
    rows = page.select("#audit-log tbody tr")
    assert [r.select("td")[1].get_text(strip=True) for r in rows] == [
        "new@example.org",
        "old@example.org",
    ]
    assert page.select_one("#audit-count").get_text(strip=True) == "2 entries for export.csv."
    options = [o["value"] for o in page.select("select#action option")]
    assert "export.csv" in options and "login" in options
    everything = client_request.get("/manage/audit")
    actions = [td.get_text() for td in everything.select(".app-audit-action")]
    assert actions[0] == "login", "signing in to read the log is the newest entry"


def test_an_unknown_action_filter_shows_everything(client_request, login_as):
    login_as("admin")
    page = client_request.get("/manage/audit?action=<script>")
    count = page.select_one("#audit-count").get_text(strip=True)
    assert count == "2 entries.", "the admin's account creation and sign-in"
    assert page.select_one("select#action option[selected]")["value"] == ""


def test_audit_log_is_paginated(client_request, login_as, db_session, frozen_time):
    start = frozen_time("2027-01-01T00:00:00")
    for i in range(60):
        frozen_time(start + timedelta(minutes=i))
        record(db_session, "comments.raw.view", actor="officer@example.org", target=f"wave:{i}")
    db_session.commit()
    frozen_time(start + timedelta(hours=2))
    login_as("admin")
    first = client_request.get("/manage/audit?action=comments.raw.view")
    assert len(first.select("#audit-log tbody tr")) == 50
    assert first.select_one("#audit-log tbody tr").select("td")[3].get_text() == "wave:59"
    next_link = first.select_one(".govuk-pagination__next a")["href"]
    assert "page=2" in next_link and "action=comments.raw.view" in next_link
    second = client_request.get(next_link)
    assert len(second.select("#audit-log tbody tr")) == 10
    assert second.select("#audit-log tbody tr")[-1].select("td")[3].get_text() == "wave:0"
    assert second.select_one(".govuk-pagination__prev a")
    assert "page 2 of 2" in second.select_one("#audit-count").get_text()
