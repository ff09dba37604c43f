"""Test set-up: every database test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.

Each test runs inside a transaction on one connection; the app's sessions join
it through SAVEPOINTs, so commits in the code under test are real commits to
the savepoint and the whole test is rolled back at the end.
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.comments",
    "tests.fixtures.pages",
    "tests.fixtures.results",
    "tests.fixtures.surveys",
    "tests.fixtures.users",
]


def database_urls() -> list[str]:
    urls = ["sqlite://"]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append(os.environ["TEST_DATABASE_URL"])
    return urls


def pytest_report_header(config):
    return [f"databases: {', '.join(u.split('@')[-1] for u in database_urls())}"]


@pytest.fixture(autouse=True)
def _clock_runs():
    """Each test starts with real time; ``frozen_time`` pins it."""
    from feedback import clock

    clock.freeze(None)
    yield
    clock.freeze(None)
