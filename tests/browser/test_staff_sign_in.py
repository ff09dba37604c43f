"""The staff accounts the live server creates can sign in, by keyboard."""

from __future__ import annotations

import pytest

from tests.browser.keyboard import Checker, Walk

pytestmark = pytest.mark.browser


def test_an_officer_signs_in_by_keyboard_and_the_staff_home_passes_axe(sign_in, axe):
    page = sign_in("officer")
    assert page.locator("h1").count() == 1
    walk = Walk()
    Checker(axe, walk)(page, "staff home")
    assert not walk.violations, walk.violations["staff home"]
