"""The "tell us more" box counts down and tells screen reader users what is left."""

from __future__ import annotations

import pytest

from tests.browser.keyboard import (
    activate,
    answer_current_question,
    choose_option,
    question_id,
    tab_to,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def comment_box(page, live_server):
    """The young-person survey's first help question, reached by keyboard."""
    page.goto(live_server.survey("young-person"))
    activate(page, "[name=start]")
    while question_id(page) != "yp_kpi_4_2":
        answer_current_question(page)
    choose_option(page, 0)
    tab_to(page, "textarea#comment")
    return page


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_comment_box_announces_the_characters_remaining(comment_box):
    page = comment_box
    live = page.locator(".govuk-character-count__sr-status")
    assert live.get_attribute("aria-live") == "polite"
    assert "comment-info" in page.locator("textarea#comment").get_attribute("aria-describedby")

    page.keyboard.type("I like my teacher.")

    visible = page.locator(".govuk-character-count__status")
    assert visible.inner_text() == "You have 982 characters remaining"
    # The announcement waits until typing pauses, so it is not read out at every key.
    expect(live).to_have_text("You have 982 characters remaining", timeout=5000)


def test_comment_box_says_when_there_are_too_many_characters(comment_box):
    page = comment_box
    page.keyboard.insert_text("x" * 1003)

    assert page.locator(".govuk-character-count__status").inner_text() == (
        "You have 3 characters too many"
    )
    assert "govuk-textarea--error" in page.locator("textarea#comment").get_attribute("class")
    activate(page, "#continue")
    assert page.title().startswith("Error:")
    link = page.locator(".govuk-error-summary a")
    assert link.inner_text() == "Your answer must be 1,000 characters or fewer"
    assert link.get_attribute("href") == "#comment"
    assert page.locator("#comment-error").is_visible()
