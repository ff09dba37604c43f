"""The staff workspace in a real browser: co-production by keyboard, charts drawn, axe clean.

The live server's demo pulse wave gets answers, and a second version of the
pulse survey goes to forum review, through the app's own services in a
subprocess on the server's database. The young people's survey is left for the
officer's own keyboard journey; the parent and carer survey is left alone for
the results tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT
from tests.browser.keyboard import Checker, Walk, activate, tab_to, type_into

pytestmark = pytest.mark.browser

SEED = r"""
import json
from sqlalchemy import select
from feedback import create_app
from feedback.extensions import db
from feedback.models import Channel, Survey, User, Wave
from feedback.services import lifecycle
from feedback.services.responses import build_response

app = create_app()
with app.app_context():
    s = db.session
    surveys = {x.slug: x for x in s.scalars(select(Survey))}
    officer = s.scalars(select(User).where(User.email == "officer@browser.example.org")).one()
    pulse = surveys["kpi-pulse"]
    wave = s.scalars(select(Wave).where(Wave.code == "kpi-pulse-demo")).one()
    for i in range(14):
        answers = {
            "respondent_role": "parent", "ehcp_status": "yes" if i % 4 else "no",
            "kpi_4_1": "agree", "kpi_4_2": "good", "kpi_4_3": "good", "kpi_4_4": "agree",
            "kpi_4_5": "agree", "kpi_4_6": "agree",
        }
        channel = Channel.PAPER if i % 7 == 0 else Channel.ONLINE
        s.add(build_response(wave, answers, channel=channel))
    s.commit()
    review = lifecycle.new_draft(s, pulse, by=officer)
    lifecycle.move(s, review, "review", by=officer)
    print(json.dumps({
        "wave": wave.id, "review": review.id, "young_person": surveys["young-person"].id,
    }))
"""

CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('canvas[data-chart]')]"
    ".every((c) => c.dataset.rendered === 'true' && c.width > 0)"
)


@pytest.fixture(scope="module")
def seeded(live_server) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", SEED],
        cwd=ROOT,
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_officer_starts_a_version_and_sends_it_to_the_forum_by_keyboard(
    page, sign_in, seeded, axe
):
    walk = Walk()
    check = Checker(axe, walk)
    sign_in("officer")
    page.goto("/manage/surveys")
    check(page, "surveys")
    activate(page, f"#new-version-{seeded['young_person']}")
    assert page.locator("h1").inner_text() == "Edit the wording of version 2"
    check(page, "definition editor")
    tab_to(page, "textarea#definition")
    page.keyboard.press("Control+End")
    page.keyboard.type("\nnot_a_field: true\n")
    activate(page, "[name=submit]")
    assert page.title().startswith("Error:")
    assert "not_a_field: unknown field" in page.locator(".govuk-error-summary").inner_text()
    check(page, "definition editor with errors")
    tab_to(page, "textarea#definition")
    page.keyboard.press("Control+End")
    for _ in range(len("not_a_field: true\n")):
        page.keyboard.press("Backspace")
    activate(page, "[name=submit]")
    assert page.locator("h1").inner_text().startswith("Version 2")
    check(page, "version page")
    activate(page, "#review-version")
    assert "In forum review" in page.locator("h1").inner_text()
    assert not walk.violations, "\n\n".join(walk.violations.values())


def test_a_forum_member_comments_and_signs_off_by_keyboard(page, sign_in, seeded, axe, artifacts):
    walk = Walk()
    check = Checker(axe, walk)
    sign_in("forum")
    page.goto("/forum/reviews")
    check(page, "reviews waiting")
    activate(page, f"#review-row-{seeded['review']} a")
    check(page, "review page")
    type_into(page, "#comment-kpi_4_2", "Say help, not support.")
    activate(page, "#add-comment-kpi_4_2")
    comment = page.locator("#question-kpi_4_2 .app-review-comment")
    assert "Say help, not support." in comment.inner_text()
    tab_to(page, "input[name=decision]")
    page.keyboard.press("Space")
    assert page.locator("input[name=decision]:checked").get_attribute("value") == "approve"
    activate(page, "[name=submit]")
    assert "Signed off" in page.locator("#standing-sign-offs").inner_text()
    check(page, "review page after sign-off")
    page.screenshot(path=artifacts / "forum-review-phone.png", full_page=True)
    assert not walk.violations, "\n\n".join(walk.violations.values())


def test_participation_charts_are_drawn_for_the_board(page, sign_in, seeded, axe, artifacts):
    walk = Walk()
    sign_in("board")
    page.goto(f"/manage/waves/{seeded['wave']}/participation")
    page.wait_for_function(CHARTS_DRAWN)
    ids = page.eval_on_selector_all("canvas[data-chart]", "cs => cs.map((c) => c.id)")
    assert ids == ["responses-per-day", "by-respondent-type", "by-ehcp-status", "by-channel"]
    cells = page.locator("#by-channel-table tbody td").all_inner_texts()
    assert cells[:2] == ["c", "c"], "2 paper returns hidden, and the online count with them"
    Checker(axe, walk)(page, "participation")
    page.screenshot(path=artifacts / "participation-phone.png", full_page=True)
    assert not walk.violations, "\n\n".join(walk.violations.values())


def test_wave_and_admin_pages_pass_axe(page, sign_in, seeded, axe):
    walk = Walk()
    check = Checker(axe, walk)
    sign_in("officer")
    for url, name in [
        ("/manage/waves", "waves"),
        ("/manage/waves/new", "schedule a wave"),
        (f"/manage/waves/{seeded['wave']}/edit", "change an open wave"),
        ("/manage/participation", "participation index"),
    ]:
        page.goto(url)
        check(page, name)
    page.goto("/manage/waves/new")
    activate(page, "[name=submit]")
    assert page.title().startswith("Error:")
    check(page, "schedule a wave with errors")
    page.context.clear_cookies()
    sign_in("admin")
    for url, name in [
        ("/manage/users", "staff accounts"),
        ("/manage/users/new", "create an account"),
        ("/manage/audit", "audit log"),
    ]:
        page.goto(url)
        check(page, name)
    assert not walk.violations, "\n\n".join(walk.violations.values())
