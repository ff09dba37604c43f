"""Without chromium the browser tests skip with a way forward, except under CI=true."""

from __future__ import annotations

import pytest

from tests.browser import conftest


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "no-chromium"))
    return monkeypatch


def test_browser_tests_skip_with_the_install_command_when_chromium_is_missing(no_chromium):
    no_chromium.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        conftest._require_browser()


def test_browser_tests_fail_under_ci_when_chromium_is_missing(no_chromium):
    no_chromium.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but browser tests need"):
        conftest._require_browser()
