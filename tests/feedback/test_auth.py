"""Staff sign-in: hashed passwords, throttling, real sign-out and an inactivity timeout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback import clock
from feedback.models import AuditEvent, User
from feedback.services.users import UserError, create_user
from tests.fixtures.users import PASSWORD


def test_passwords_are_stored_as_scrypt_hashes(create_user):
    user = create_user("officer")
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_short_passwords_and_duplicate_emails_are_refused(db_session):
    with pytest.raises(UserError, match="at least 12"):
        create_user(db_session, "a@example.org", "officer", "short")
    create_user(db_session, "a@example.org", "officer", PASSWORD)
    with pytest.raises(UserError, match="already an account"):
        create_user(db_session, "A@Example.org", "forum", PASSWORD)


def test_sign_in_takes_you_to_staff_home_and_is_audited(client_request, create_user, db_session):
    user = create_user("board")
    response = client_request.post(
        "/staff/login", {"email": user.email, "password": PASSWORD}, form_url="/staff/login"
    )
    assert response.location == "/staff/"
    page = client_request.get("/staff/")
    assert "Signed in as" in page.get_text()
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.user_id == user.id)
    ).all()
    assert "login" in actions


def test_wrong_password_shows_one_vague_error(client_request, create_user, db_session):
    user = create_user("officer")
    response = client_request.post(
        "/staff/login",
        {"email": user.email, "password": "not-the-password"},
        form_url="/staff/login",
        expected_status=400,
    )
    summary = response.page.select_one(".govuk-error-summary").get_text()
    assert "Enter a correct email address and password" in summary
    assert db_session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).first()


def test_staff_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302 and response.location.startswith("/staff/login")


def test_sign_in_refuses_an_offsite_next_link(client_request, create_user):
    user = create_user("officer")
    response = client_request.post(
        "/staff/login?next=//evil.example/",
        {"email": user.email, "password": PASSWORD},
        form_url="/staff/login",
    )
    assert response.location == "/staff/"


def test_repeated_failed_sign_ins_are_throttled(client_request, create_user):
    user = create_user("officer")
    statuses = []
    for _ in range(12):
        response = client_request.client.post(
            "/staff/login",
            data={
                "email": user.email,
                "password": "wrong",
                "csrf_token": client_request.csrf_token("/staff/login"),
            },
        )
        statuses.append(response.status_code)
    assert statuses[0] == 400
    assert 429 in statuses


def test_sign_out_makes_a_copied_cookie_useless(app, client_request, login_as, db_session):
    login_as("officer")
    cookie = client_request.client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/staff/").status_code == 200
    token = client_request.csrf_token("/staff/")
    client_request.client.post("/staff/logout", data={"csrf_token": token})
    assert thief.get("/staff/").status_code == 302


def test_deactivated_user_is_signed_out_everywhere(client_request, login_as, db_session):
    user = login_as("forum")
    assert client_request.get_response("/staff/").status_code == 200
    from feedback.services.users import deactivate

    deactivate(db_session, user.email)
    assert client_request.get_response("/staff/").status_code == 302


def test_inactive_staff_session_times_out(client_request, login_as):
    login_as("officer")
    clock.freeze(clock.now() + timedelta(minutes=31))
    response = client_request.get_response("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.location


def test_staff_pages_carry_the_timeout_warning(client_request, login_as, app):
    login_as("officer")
    page = client_request.get("/staff/")
    box = page.select_one("#session-timeout")
    assert box["data-minutes"] == str(app.config["STAFF_SESSION_MINUTES"])
    assert page.select_one("script[src$='session-timeout.js']")


def test_users_cli_creates_lists_and_deactivates(app, db_session, monkeypatch):
    runner = app.test_cli_runner()
    monkeypatch.setenv("NEW_PW", "another-long-password")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "cli@example.org",
            "--role",
            "forum",
            "--password-env",
            "NEW_PW",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "cli@example.org\tforum\tactive" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "deactivate", "--email", "cli@example.org"]).exit_code == 0
    user = db_session.scalars(select(User).where(User.email == "cli@example.org")).one()
    assert not user.active


def test_users_cli_refuses_a_missing_password_variable(app, db_session):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.org",
            "--role",
            "board",
            "--password-env",
            "NOPE_UNSET",
        ]
    )
    assert result.exit_code != 0 and "NOPE_UNSET is not set" in result.output
