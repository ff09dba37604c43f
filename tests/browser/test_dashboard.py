"""Results in a real browser: charts drawn by the local Chart.js, axe on every results page,
and the survey report printed to PDF with no table cut off.

The live server's demo waves have no answers, so two closed waves of answers
(with comments, baselines and a published action) are added through the app's
own services, in a subprocess on the server's database.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT
from tests.browser.keyboard import Checker, Walk

pytestmark = pytest.mark.browser

SEED = r"""
import json, random
from datetime import date, datetime
from sqlalchemy import select
from feedback import create_app
from feedback.extensions import db
from feedback.models import Channel, Survey, Wave, WaveKind, WaveStatus
from feedback.models.surveys import LateRule
from feedback.services.actions import create_action, set_published
from feedback.services.comments import code_new_comments
from feedback.services.kpis import seed_baselines
from feedback.services.responses import build_response

COMMENTS = [
    "Waiting lists for speech and language therapy are far too long.",
    "The SENCO has been brilliant and really listened to us.",
    "Nobody ever rang back or answered my emails about the plan.",
    "The EHCP annual review was late again and the plan is out of date.",
    "Transport to school keeps changing without any notice.",
]
random.seed(6)
app = create_app()
with app.app_context():
    s = db.session
    survey = s.scalars(select(Survey).where(Survey.slug == "parent-carer-annual")).one()
    ids = []
    for year, total, positive in ((2024, 40, 16), (2025, 64, 38)):
        wave = Wave(
            code=f"browser-annual-{year}", name=f"Annual {year}", version=survey.latest,
            kind=WaveKind.ANNUAL, status=WaveStatus.CLOSED, opens_at=datetime(year, 10, 1),
            closes_at=datetime(year, 11, 30), late_rule=LateRule.EXCLUDE,
        )
        s.add(wave)
        s.commit()
        ids.append(wave.id)
        for i in range(total):
            answers = {
                "respondent_role": "parent", "child_age": random.choice(["age_5_10", "age_11_15"]),
                "ehcp_status": "yes" if i % 3 else "no", "setting": "mainstream",
                "locality": random.choice(["north", "south"]),
                "kpi_4_1": "agree" if i < positive else "disagree",
                "kpi_4_2": random.choice(["good", "poor"]),
                "kpi_4_3": random.choice(["good", "poor"]),
                "kpi_4_4": random.choice(["agree", "disagree"]),
                "kpi_4_5": random.choice(["agree", "disagree"]),
                "kpi_4_6": random.choice(["agree", "neither"]),
                "general_comments": COMMENTS[i % len(COMMENTS)],
                "eq_ethnicity": random.choice(["white", "prefer_not"]),
            }
            channel = Channel.PAPER if i % 5 == 0 else Channel.ONLINE
            s.add(build_response(wave, answers, channel=channel, received_at=wave.opens_at))
        s.commit()
    seed_baselines(s)
    code_new_comments(s)
    action = create_action(
        s, subject="theme:waiting_times", you_said="Therapy waiting lists are too long.",
        we_did="We have funded two more speech and language therapists.",
        owner="Designated Clinical Officer", status="on_target", due_on=date(2027, 3, 31),
    )
    set_published(s, action, True)
    print(json.dumps({"previous": ids[0], "wave": ids[1]}))
"""


@pytest.fixture(scope="module")
def seeded(live_server) -> dict[str, int]:
    """Two closed annual waves of answers on the live server; returns their ids."""
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


@pytest.fixture(scope="module")
def forum_cookies(browser, live_server) -> list[dict]:
    """A forum member's signed-in cookies, got once: every sign-in counts towards the
    sign-in rate limit the whole browser suite shares."""
    from tests.browser.conftest import PhonePage
    from tests.browser.keyboard import activate, type_into

    phone = PhonePage(browser, live_server)
    phone.page.goto("/staff/login")
    type_into(phone.page, "input[name=email]", live_server.users["forum"])
    type_into(phone.page, "input[name=password]", live_server.password)
    activate(phone.page, "[name=submit]")
    assert "/staff/login" not in phone.page.url, "the forum member could not sign in"
    cookies = phone.context.cookies()
    assert not phone.close()
    return cookies


@pytest.fixture
def signed_in(page, forum_cookies):
    """The test's page, signed in as a forum member."""
    page.context.add_cookies(forum_cookies)
    return page


def _number(cell: str) -> float | None:
    found = re.match(r"^(\d+(?:\.\d+)?)", cell)
    return float(found.group(1)) if found else None


#: For each chart, which table column holds dataset k (the KPI chart's are listed).
COLUMNS = {
    "chart-kpi-results": [1, 4, 5],
    "chart-kpi-trend": None,
    "chart-themes-by-wave": None,
    "chart-sentiment": None,
    "chart-participation": None,
}
OFFSETS = {"chart-sentiment": 2}

CHART_STATE = """
() => [...document.querySelectorAll('canvas[data-chart]')].map((canvas) => ({
  id: canvas.id,
  rendered: canvas.dataset.rendered === 'true',
  role: canvas.getAttribute('role'),
  label: canvas.getAttribute('aria-label'),
  width: canvas.width,
  spec: JSON.parse(document.getElementById(canvas.dataset.chart).textContent),
  drawn: canvas.chart ? canvas.chart.data.datasets.map((d) => d.data) : null,
  rows: [...document.querySelectorAll('#' + canvas.id + '-table tbody tr')].map(
    (tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim())),
}))
"""


def test_every_chart_is_drawn_by_the_local_chartjs_and_matches_its_table(
    signed_in, seeded, live_server
):
    page = signed_in
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto(f"/forum/dashboard?wave={seeded['wave']}")
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every((c) => c.dataset.rendered === 'true')"
    )
    assert f"{live_server.url}/static/vendor/chart.umd.min.js" in scripts
    assert not [s for s in scripts if "jsdelivr" in s]
    charts = page.evaluate(CHART_STATE)
    assert {c["id"] for c in charts} == set(COLUMNS)
    for chart in charts:
        assert chart["rendered"] and chart["width"] > 0, chart["id"]
        assert chart["role"] == "img" and len(chart["label"]) > 40
        datasets = [d["data"] for d in chart["spec"]["data"]["datasets"]]
        assert chart["drawn"] == datasets, f"{chart['id']}: Chart.js drew other numbers"
        body = [r for r in chart["rows"] if r[0] != "Total"]
        columns = COLUMNS[chart["id"]] or [
            k + OFFSETS.get(chart["id"], 1) for k in range(len(datasets))
        ]
        for data, column in zip(datasets, columns, strict=True):
            assert data == [_number(r[column]) for r in body], chart["id"]
    kpi = next(c for c in charts if c["id"] == "chart-kpi-results")
    assert kpi["rows"][0][1] == "59.4%"  # 38 of 64 agreed with KPI 4/1


def test_results_pages_pass_axe(signed_in, seeded, axe):
    page = signed_in
    walk = Walk()
    check = Checker(axe, walk)
    for url, name in [
        (f"/forum/dashboard?wave={seeded['wave']}", "dashboard"),
        (f"/forum/dashboard?wave={seeded['wave']}&ehcp_status=no", "filtered dashboard"),
        (f"/forum/themes?wave={seeded['wave']}", "themes"),
        (f"/forum/waves/{seeded['wave']}/report", "survey report"),
        ("/forum/actions", "actions for the forum"),
        ("/you-said-we-did", "public you said, we did"),
        ("/you-said-we-did/2025", "annual statement"),
    ]:
        page.goto(url)
        assert page.locator("h1").count() == 1, name
        check(page, name)
    assert not walk.violations, "\n\n".join(walk.violations.values())


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_report_prints_to_pdf_without_cutting_a_table(signed_in, seeded):
    page = signed_in
    from pypdf import PdfReader

    page.goto(f"/forum/waves/{seeded['wave']}/report")
    tables = page.evaluate(
        """() => [...document.querySelectorAll('main table')].map((t) => ({
          id: t.id,
          rows: [...t.querySelectorAll('tbody tr')].map((tr) => {
            const cells = [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim());
            return [cells[0], cells[cells.length - 1]];
          }),
        }))"""
    )
    pdf = page.pdf(format="A4", print_background=True)
    pages = [_squash(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    text = "".join(pages)
    assert len(pages) >= 2
    assert "Signedinas" not in text and "Signout" not in text  # no staff bar or navigation
    assert len(tables) >= 6
    print(
        f"report: {len(tables)} tables, {sum(len(t['rows']) for t in tables)} rows, "
        f"{len(pages)} A4 pages"
    )
    for table in tables:
        for first, last in table["rows"]:
            # A row is whole when one printed page has both its first and its last cell.
            head, tail = _squash(first)[:25], _squash(last)[:25]
            assert any(head in p and tail in p for p in pages), (
                f"{table['id']}: row {first!r} .. {last!r} is cut across pages or missing"
            )
