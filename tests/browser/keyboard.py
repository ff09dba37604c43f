"""Drive pages the way a keyboard user does: Tab, Shift+Tab, arrows, Space and Enter.

No clicks and no filling of fields that were not reached by Tab: if a control
cannot be reached or operated from the keyboard, these helpers fail, which is
the point. Each page visited can be checked with axe-core and its problems
collected, so one walk through a survey reports every page at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: WCAG 2.2 AA, plus axe's best practices (landmarks, one h1, ...).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
#: Findings we accept on purpose, as (rule, CSS target). GOV.UK puts the back link
#: before ``<main>`` so the skip link passes it; axe's best-practice "region" rule
#: flags that, and GOV.UK Frontend decided to keep it (alphagov/govuk-frontend#6460).
ACCEPTED = {("region", ".govuk-back-link")}
QUESTION_URL = re.compile(r"/questions/(?P<qid>[a-z0-9_]+)")


def focused_matches(page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if focused_matches(page, selector):
            return
    raise AssertionError(f"{key} never reached {selector!r} on {page.url}")


def press_and_wait(page, key: str = "Enter") -> None:
    """Press ``key`` on the focused control and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state("load")


def activate(page, selector: str) -> None:
    """Tab to a button or link and press Enter, as a keyboard user follows it."""
    tab_to(page, selector)
    press_and_wait(page)


def choose_option(page, index: int) -> None:
    """Tab into the radio group, then Space and arrows to select option ``index``.

    Tab lands on the group once (on the checked radio, else the first); Space
    checks it; each arrow press moves to and checks the next or previous option.
    """
    tab_to(page, "input[name=answer][type=radio]")
    page.keyboard.press("Space")
    at = page.evaluate(
        "() => [...document.querySelectorAll('input[name=answer]')].indexOf(document.activeElement)"
    )
    for _ in range(abs(index - at)):
        page.keyboard.press("ArrowDown" if index > at else "ArrowUp")
    checked = page.locator("input[name=answer]:checked")
    assert checked.count() == 1, f"no option checked on {page.url}"
    assert focused_matches(page, "input[name=answer]:checked")
    assert checked.evaluate(
        "(el, i) => el === document.querySelectorAll('input[name=answer]')[i]", index
    )


def type_into(page, selector: str, text: str) -> None:
    """Tab to a text field and type, key by key."""
    tab_to(page, selector)
    page.keyboard.type(text)


@dataclass
class Walk:
    """What a keyboard walk through a survey saw: pages, axe problems, the reference."""

    pages: list[str] = field(default_factory=list)
    violations: dict[str, str] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)
    #: The check answers page: question text -> the answer shown.
    summary: dict[str, str] = field(default_factory=dict)
    reference: str | None = None
    #: JavaScript errors and broken assets seen on the way.
    problems: list[str] = field(default_factory=list)


class Checker:
    """Runs axe-core on each page it is shown and keeps a readable report of problems."""

    def __init__(self, axe, walk: Walk):
        self.axe = axe
        self.walk = walk

    def __call__(self, page, label: str | None = None) -> None:
        name = label or f"{page.title()} ({page.url})"
        self.walk.pages.append(name)
        results = self.axe.run(page, options=AXE_OPTIONS)
        results.response["violations"] = [
            v for v in results.response["violations"] if not _accepted(v)
        ]
        if results.violations_count:
            self.walk.violations[name] = results.generate_report()


def _accepted(violation: dict) -> bool:
    return all(
        (violation["id"], ", ".join(node["target"])) in ACCEPTED for node in violation["nodes"]
    )


def question_id(page) -> str | None:
    found = QUESTION_URL.search(page.url)
    return found["qid"] if found else None


def answer_current_question(page, *, option: int = 0, text: str = "", comment: str = "") -> str:
    """Answer the question on screen by keyboard and press Continue; returns its id."""
    qid = question_id(page)
    assert qid, f"not a question page: {page.url}"
    if page.locator("input[name=answer][type=radio]").count():
        choose_option(page, option)
    elif text:
        type_into(page, "textarea#answer", text)
    if comment and page.locator("textarea#comment").count():
        type_into(page, "textarea#comment", comment)
    activate(page, "#continue")
    return qid
