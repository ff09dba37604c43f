"""An officer keys a paper return by keyboard alone; the data pages pass axe-core."""

from __future__ import annotations

import pytest

from tests.browser.keyboard import Checker, Walk, activate, tab_to, type_into

pytestmark = pytest.mark.browser

REQUIRED = [
    "respondent_role",
    "child_age",
    "ehcp_status",
    "setting",
    "kpi_4_1",
    "kpi_4_2",
    "kpi_4_3",
    "kpi_4_4",
    "kpi_4_5",
    "kpi_4_6",
]


def _data_link(page, wave_code: str, text: str) -> str:
    row = page.locator(f"tr[data-wave='{wave_code}']")
    return row.get_by_role("link", name=text).get_attribute("href")


def test_an_officer_keys_a_paper_return_by_keyboard(sign_in, axe, live_server):
    page = sign_in("officer")
    walk = Walk()
    check = Checker(axe, walk)
    page.goto("/manage/data")
    check(page, "responses data")
    entry = _data_link(page, "parent-carer-annual-demo", "Enter a return")
    page.goto(entry)
    check(page, "enter a return")

    # Saving an empty form lists every missing answer, and each link reaches its field.
    activate(page, "#save-return")
    assert page.title().startswith("Error:")
    links = page.locator(".govuk-error-summary__list a")
    assert links.count() == len(REQUIRED)
    check(page, "enter a return, with errors")
    tab_to(page, ".govuk-error-summary a[href='#kpi_4_1']")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "kpi_4_1"

    # Answer every required question: Tab into each radio group, Space picks the first.
    page.goto(entry)
    for name in REQUIRED:
        tab_to(page, f"input[name={name}]")
        page.keyboard.press("Space")
    type_into(page, "textarea#kpi_4_1_comment", "Paper form: =1+1 should stay text")
    activate(page, "#save-return")
    banner = page.locator(".govuk-notification-banner--success")
    assert "saved" in banner.inner_text()
    assert page.locator("input[name=kpi_4_1]:checked").count() == 0
    check(page, "enter a return, after saving")

    page.goto(entry.replace("/returns/new", "/returns"))
    assert page.locator("#keyed-returns tbody tr").count() >= 1
    check(page, "keyed returns")
    for path in (
        entry.replace("/returns/new", "/export"),
        entry.replace("/returns/new", "/import"),
        "/manage/data/erase",
        "/manage/data/retention",
    ):
        page.goto(path)
        check(page, path)
    assert not walk.violations, "\n\n".join(walk.violations.values())


def test_the_forum_download_page_passes_axe(sign_in, axe):
    page = sign_in("forum")
    walk = Walk()
    page.goto("/forum/exports")
    Checker(axe, walk)(page, "forum downloads")
    assert not walk.violations, "\n\n".join(walk.violations.values())
