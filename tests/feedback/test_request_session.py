"""Respondent page views on PostgreSQL run outside a transaction; everything else keeps one."""

from __future__ import annotations

import pytest

from feedback.db import RequestSession
from feedback.extensions import db


def _isolation(app, method: str, path: str) -> str | None:
    session = RequestSession(bind=db.engine)
    try:
        with app.test_request_context(path, method=method):
            return session.get_bind().get_execution_options().get("isolation_level")
    finally:
        session.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/surveys/some-wave/"),
        ("GET", "/surveys/some-wave/questions/kpi_4_1"),
        ("HEAD", "/surveys/some-wave/check"),
    ],
)
def test_a_respondent_page_view_on_postgresql_needs_no_transaction(app, method, path):
    expected = "AUTOCOMMIT" if db.engine.dialect.name == "postgresql" else None
    assert _isolation(app, method, path) == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/surveys/some-wave/questions/kpi_4_1"),
        ("POST", "/surveys/some-wave/check"),
        ("GET", "/staff/"),
        ("GET", "/login"),
    ],
)
def test_answers_and_staff_pages_keep_their_transaction(app, method, path):
    assert _isolation(app, method, path) is None


def test_work_outside_a_request_keeps_its_transaction(app):
    with app.app_context():
        session = RequestSession(bind=db.engine)
        try:
            assert session.get_bind().get_execution_options().get("isolation_level") is None
        finally:
            session.close()
