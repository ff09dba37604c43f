"""The pages around the surveys pass axe-core too: they are where people land first."""

from __future__ import annotations

import pytest

from tests.browser.keyboard import Checker, Walk

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/help",
        "/privacy",
        "/accessibility",
        "/resume/no-such-link",
        "/staff/login",
    ],
)
def test_public_page_has_no_axe_violations(page, axe, path):
    walk = Walk()
    page.goto(path)
    Checker(axe, walk)(page, path)
    assert not walk.violations, walk.violations[path]
