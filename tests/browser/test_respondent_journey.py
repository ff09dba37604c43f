"""Both co-produced surveys can be completed with the keyboard alone on a phone-sized
screen, and axe-core finds nothing to fix on any page on the way (WCAG 2.2 AA).

Each survey is walked once per run (the walk is shared by the tests below), and
every page is checked as it is reached: start page, every question, an error
state, save and come back later, the resume page, check answers, confirmation.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PhonePage
from tests.browser.keyboard import (
    Checker,
    Walk,
    activate,
    answer_current_question,
    choose_option,
    question_id,
    tab_to,
)

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
COMMENT = "The school listened <b>at last</b> & helped."


def _start(page, check, url: str) -> None:
    page.goto(url)
    check(page, "start page")
    activate(page, "[name=start]")


def _error_state(page, check, label: str) -> None:
    """Continue without answering: the error summary takes focus and links to the field."""
    activate(page, "#continue")
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    check(page, label)
    # The error summary's link moves focus to the first radio, from the keyboard.
    tab_to(page, ".govuk-error-summary a")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "answer"


def _finish(page, check, walk: Walk) -> None:
    """From the check answers page, send the answers and read the reference."""
    assert page.url.endswith("/check"), page.url
    check(page, "check your answers")
    for row in page.locator(".govuk-summary-list__row").all():
        key = row.locator(".govuk-summary-list__key").inner_text().strip()
        walk.summary[key] = row.locator(".govuk-summary-list__value").inner_text().strip()
    activate(page, "#submit")
    assert page.url.endswith("/done"), page.url
    check(page, "confirmation")
    walk.reference = page.locator(".govuk-panel .app-reference").inner_text().strip()


@pytest.fixture(scope="session")
def parent_carer_walk(browser, live_server, axe) -> Walk:
    """``parent-carer-annual`` by keyboard, saving half way and resuming by code."""
    walk = Walk()
    check = Checker(axe, walk)
    phone = PhonePage(browser, live_server)
    page = phone.page
    try:
        _start(page, check, live_server.survey("parent-carer-annual"))
        check(page, "first question")
        _error_state(page, check, "question with an error")
        while (qid := question_id(page)) is not None:
            if qid != "respondent_role":
                check(page)
            if qid == "kpi_4_3":
                _save_and_resume(page, check, walk)
                continue
            walk.answered.append(
                answer_current_question(page, option=0, text="More short breaks.", comment=COMMENT)
            )
        _finish(page, check, walk)
    finally:
        walk.problems = phone.close()
    return walk


def _save_and_resume(page, check, walk: Walk) -> None:
    """Answer, save and come back later, then resume with the code on the resume page."""
    choose_option(page, 1)
    walk.answered.append(question_id(page))
    activate(page, "#save")
    assert page.url.endswith("/saved"), page.url
    check(page, "saved: come back later")
    code = page.locator("#resume-code").inner_text().strip()
    page.goto("/resume")
    check(page, "resume page")
    tab_to(page, "input[name=code]")
    page.keyboard.type("WRONG-CODE")
    activate(page, "[name=submit]")
    assert page.title().startswith("Error:")
    check(page, "resume page with an error")
    tab_to(page, "input[name=code]", backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.type(code.lower())
    activate(page, "[name=submit]")
    assert question_id(page) == "kpi_4_4", "resuming should carry on after the saved answer"


@pytest.fixture(scope="session")
def young_person_walk(browser, live_server, axe, artifacts) -> Walk:
    """``young-person`` by keyboard, with a screenshot of an easy-read question page."""
    walk = Walk()
    check = Checker(axe, walk)
    phone = PhonePage(browser, live_server)
    page = phone.page
    try:
        _start(page, check, live_server.survey("young-person"))
        while (qid := question_id(page)) is not None:
            check(page)
            if qid == "yp_kpi_4_2":
                page.screenshot(path=artifacts / "young-person-question-phone.png", full_page=True)
                _error_state(page, check, "easy-read question with an error")
            walk.answered.append(
                answer_current_question(page, option=1, text="More help at college.", comment="OK")
            )
        # Change an answer from check your answers, and come straight back there.
        activate(page, "a[href$='/questions/yp_ehcp?change=1']")
        choose_option(page, 0)
        activate(page, "#continue")
        _finish(page, check, walk)
    finally:
        walk.problems = phone.close()
    return walk


def test_parent_carer_survey_can_be_completed_by_keyboard_on_a_phone(parent_carer_walk):
    assert REFERENCE.match(parent_carer_walk.reference or ""), parent_carer_walk.reference
    assert len(parent_carer_walk.answered) == 16
    assert not parent_carer_walk.problems, parent_carer_walk.problems


def test_young_person_survey_can_be_completed_by_keyboard_on_a_phone(young_person_walk):
    assert REFERENCE.match(young_person_walk.reference or ""), young_person_walk.reference
    assert young_person_walk.answered == [
        "yp_age",
        "yp_ehcp",
        "yp_kpi_4_2",
        "yp_kpi_4_3",
        "yp_kpi_4_6",
        "yp_general",
    ]
    assert young_person_walk.summary["Do you have an EHC plan?"] == "Yes", "changed from No"
    assert not young_person_walk.problems, young_person_walk.problems


@pytest.mark.parametrize("walk", ["parent_carer_walk", "young_person_walk"])
def test_every_page_of_the_journey_has_no_axe_violations(request, walk):
    seen = request.getfixturevalue(walk)
    assert seen.reference, "the journey did not reach the confirmation page"
    assert len(seen.pages) >= 8
    assert not seen.violations, "\n\n".join(f"== {p}\n{r}" for p, r in seen.violations.items())


def test_a_resumed_draft_keeps_its_answers_and_comments_are_shown_as_typed(parent_carer_walk):
    from surveys.loader import load_all

    d = load_all()["parent-carer-annual"]
    saved = d.question("kpi_4_3")
    assert parent_carer_walk.summary[saved.text] == saved.options[1].label
    first_kpi = parent_carer_walk.summary[d.question("kpi_4_1").text]
    assert first_kpi.endswith(COMMENT), "the comment should be shown as text, tags and all"
