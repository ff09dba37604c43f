"""The forum's themes view: shares, trend, sentiment, drill-down, coding, and no personal data."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback import clock
from feedback.models import AuditEvent, CommentCoding
from feedback.queries.comments import CommentFilters
from feedback.services import theme_results
from feedback.services.comments import save_human_coding

TRANSPORT = [
    "The taxi to school was late every morning this term.",
    "Our escort changes every week and the bus driver never knows the route.",
    "School transport has been brilliant since September.",
    "The taxi firm lost our booking twice.",
    "Transport was fine and the escort is kind.",
]
WAITING = [
    "Still waiting for the autism assessment for my son Barnaby after eighteen months.",
    "We waited two years for speech therapy.",
    "The waiting list for the sleep clinic is far too long.",
]
OTHER = [
    "Our social worker Mrs Okonkwo-Bright was brilliant and always rang back.",
    "Email me at planted.parent@example.com about the EHCP annual review, it was a shambles.",
    "Ring 07700 900789 about the short breaks, they were cancelled twice.",
    "The changing places toilet in the shopping centre is always locked.",
]
#: Personal data planted in the comments above; no forum page may show any of it.
PLANTED = ("Barnaby", "Okonkwo", "planted.parent@example.com", "07700 900789", "900789")


@pytest.fixture
def busy_wave(create_wave, add_comment, small_codebook):
    """A wave with 12 commenters: 5 on transport, 3 on waiting; the last 3 have no EHCP."""
    wave = create_wave()
    texts = TRANSPORT + WAITING + OTHER
    codings = []
    for i, text in enumerate(texts):
        ehcp = "no" if i >= len(texts) - 3 else "yes"
        codings.append(add_comment(wave, text, ehcp_status=ehcp))
    return wave, codings


def _row(page, key):
    return page.select_one(f"#themes-table tr[data-theme={key}]")


def test_theme_list_shows_people_share_and_sentiment(client_request, login_as, busy_wave):
    wave, codings = busy_wave
    negative = sum(c.sentiment == "negative" for c in codings)
    login_as("board")

    page = client_request.get(f"/forum/themes?wave={wave.id}")

    assert "12 people wrote 12 comments" in page.select_one("#themes-summary").get_text()
    transport = _row(page, "transport")
    assert transport.select_one(".app-count").get_text(strip=True) == "5"
    assert transport.select_one(".app-pct").get_text(strip=True) == "41.7%"
    # Five people are too few for the theme's own sentiment split.
    assert transport.select_one(".app-negative").get_text(strip=True) == "c"
    overall = page.select_one("#overall-sentiment").get_text()
    assert f"Negative: {round(100 * negative / 12, 1)}%" in overall
    assert _row(page, "waiting_times").select_one(".app-pct").get_text(strip=True) == "25.0%"
    assert transport.select_one(".app-change").get_text(strip=True) == "No comparison"


def test_charts_carry_their_data_as_json_with_a_matching_table(client_request, login_as, busy_wave):
    wave, _ = busy_wave
    login_as("forum")

    page = client_request.get(f"/forum/themes?wave={wave.id}")

    canvas = page.select_one("canvas#themes-by-wave")
    assert canvas["role"] == "img" and "Travel and transport, 41.7%" in canvas["aria-label"]
    spec = json.loads(page.select_one("#themes-by-wave-data").string)
    labels = spec["data"]["labels"]
    values = spec["data"]["datasets"][0]["data"]
    rows = page.select("#themes-by-wave-table tbody tr")
    table = {r.th.get_text(strip=True): r.td.get_text(strip=True) for r in rows}
    assert table == {label: f"{value}%" for label, value in zip(labels, values, strict=True)}
    assert page.select_one("canvas#sentiment-by-theme")
    assert page.select_one("script[src$='charts.js']")


def test_a_filtered_group_under_ten_people_shows_no_results(client_request, login_as, busy_wave):
    wave, _ = busy_wave
    login_as("forum")

    page = client_request.get(f"/forum/themes?wave={wave.id}&ehcp_status=no")

    assert "Fewer than 10 people" in page.select_one(".govuk-inset-text").get_text()
    assert page.select_one("#themes-table") is None
    assert page.select_one("canvas") is None
    drill = client_request.get(f"/forum/themes/transport?wave={wave.id}&ehcp_status=no")
    assert drill.select_one("#comments") is None and drill.select_one("#quotes") is None


def test_service_suppresses_every_filtered_result(db_session, busy_wave):
    wave, _ = busy_wave
    small = CommentFilters(ehcp_status="no")

    summary = theme_results.theme_summary(db_session, wave.id, small)

    assert summary["n"] == 3 and summary["suppressed"] and summary["themes"] == []
    assert summary["sentiment"]["negative"] == "c"
    assert theme_results.sentiment_by_theme(db_session, wave.id, small) == []
    assert theme_results.themes_by_wave(db_session, wave.id, small)["themes"] == []
    assert theme_results.theme_quotes(db_session, wave.id, "transport", small) == []


def test_change_is_against_the_last_earlier_wave_of_the_survey_with_comments(
    db_session, create_wave, add_comment, busy_wave
):
    wave, _ = busy_wave
    earlier = create_wave(
        opens_at=wave.opens_at - timedelta(days=365), closes_at=wave.opens_at - timedelta(days=300)
    )
    create_wave(  # a later wave nobody commented on is no comparison
        opens_at=wave.opens_at - timedelta(days=100), closes_at=wave.opens_at - timedelta(days=50)
    )
    during = earlier.opens_at + timedelta(days=1)
    for i in range(10):
        text = TRANSPORT[0] if i < 2 else "The sleep clinic waiting list is long."
        add_comment(earlier, text, received_at=during)

    summary = theme_results.theme_summary(db_session, wave.id)

    transport = next(t for t in summary["themes"] if t["key"] == "transport")
    assert summary["previous_wave_id"] == earlier.id
    assert transport["previous_pct"] == 20.0 and transport["change"] == 21.7
    by_wave = theme_results.themes_by_wave(db_session, wave.id)
    assert [w["id"] for w in by_wave["waves"]] == [earlier.id, wave.id]


def test_drilldown_highlights_evidence_in_escaped_redacted_text(
    client_request, login_as, busy_wave, add_comment
):
    wave, _ = busy_wave
    add_comment(wave, "The taxi driver <script>alert(1)</script> was late & rude.")
    login_as("board")

    page = client_request.get(f"/forum/themes/transport?wave={wave.id}")

    marks = [m.get_text() for m in page.select("#comments mark.app-evidence")]
    assert "taxi" in marks and "escort" in marks
    assert page.select_one("#comments script") is None
    assert "<script>alert(1)</script>" in page.select_one("#comments").get_text()
    assert len(page.select("#quotes blockquote")) == 3
    assert page.select_one("#theme-count").get_text().startswith("6 comments")
    assert not page.select("a[href*='/original']")  # board: no raw text link
    assert not page.select("a[href^='/forum/comments/']")  # board: cannot code


def test_human_coding_overrides_the_automatic_one_everywhere(
    db_session, client_request, login_as, busy_wave
):
    wave, codings = busy_wave
    forum = login_as("forum")
    taxi = codings[0]
    negative = sum(c.sentiment == "negative" for c in codings[1:])
    url = f"/forum/comments/{taxi.id}"

    client_request.post(url, {"themes": ["waiting_times"], "sentiment": "positive"}, form_url=url)

    summary = theme_results.theme_summary(db_session, wave.id)
    counts = {t["key"]: t["count"] for t in summary["themes"]}
    assert counts["transport"] == 4 and counts["waiting_times"] == 4
    page = client_request.get(f"/forum/themes/waiting_times?wave={wave.id}")
    assert page.select_one(f"#comment-{taxi.id}")
    assert "Checked by a person" in page.select_one(f"#comment-{taxi.id}").get_text()
    transport = client_request.get(f"/forum/themes/transport?wave={wave.id}")
    assert transport.select_one(f"#comment-{taxi.id}") is None
    assert summary["sentiment"]["negative"] == round(100 * negative / 12, 1)
    db_session.expire_all()
    assert db_session.get(CommentCoding, taxi.id).human.coded_by == forum.email


def test_coding_form_is_shown_with_the_current_coding_ticked(client_request, login_as, busy_wave):
    _, codings = busy_wave
    login_as("officer")

    page = client_request.get(f"/forum/comments/{codings[0].id}")

    ticked = [i["value"] for i in page.select("input[name=themes][checked]")]
    assert ticked == ["transport"]
    assert page.select_one("input[name=sentiment][value=negative][checked]")
    assert "taxi" in page.select_one("#comment-text mark").get_text()


def test_saving_a_coding_without_a_feeling_is_an_error(client_request, login_as, busy_wave):
    _, codings = busy_wave
    login_as("forum")
    url = f"/forum/comments/{codings[0].id}"

    response = client_request.post(
        url, {"themes": ["transport"], "sentiment": ""}, form_url=url, expected_status=400
    )

    assert (
        "Select how the comment feels"
        in response.page.select_one(".govuk-error-summary").get_text()
    )


@pytest.mark.parametrize("role", ["board"])
def test_board_members_cannot_code_comments(client_request, login_as, busy_wave, role):
    _, codings = busy_wave
    login_as(role)
    client_request.get(f"/forum/comments/{codings[0].id}", expected_status=403)


@pytest.mark.parametrize("role", ["forum", "board"])
def test_raw_text_page_is_forbidden_to_forum_and_board(client_request, login_as, busy_wave, role):
    _, codings = busy_wave
    login_as(role)
    url = f"/manage/comments/{codings[8].id}/original"
    client_request.get(url, expected_status=403)
    response = client_request.client.post(url, data={"reason": "curious"})
    assert response.status_code in (400, 403)  # no CSRF token either way: never the text
    assert b"Okonkwo" not in response.data


def test_officer_reads_raw_text_only_after_giving_a_reason_and_it_is_audited(
    db_session, client_request, login_as, busy_wave
):
    _, codings = busy_wave
    officer = login_as("officer")
    url = f"/manage/comments/{codings[8].id}/original"

    form_page = client_request.get(url)
    assert "Okonkwo" not in str(form_page)
    assert not db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "comment.raw_view")
    ).first()
    response = client_request.post(
        url, {"reason": "Checking a safeguarding concern"}, form_url=url, expected_status=200
    )

    assert "Mrs Okonkwo-Bright" in response.page.select_one("#raw-text").get_text()
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "comment.raw_view")
    ).one()
    assert event.user_id == officer.id and event.target == f"comment:{codings[8].id}"
    assert event.detail["reason"] == "Checking a safeguarding concern"


def test_raw_view_without_a_reason_is_refused(client_request, login_as, busy_wave):
    _, codings = busy_wave
    login_as("officer")
    url = f"/manage/comments/{codings[8].id}/original"
    response = client_request.post(url, {"reason": ""}, form_url=url, expected_status=400)
    assert response.page.select_one("#raw-text") is None


def test_no_page_a_forum_member_can_reach_shows_planted_personal_data(
    db_session, client_request, login_as, busy_wave
):
    wave, codings = busy_wave
    forum = login_as("forum")
    coding = db_session.get(CommentCoding, codings[5].id)
    save_human_coding(db_session, coding, themes=["waiting_times"], sentiment="negative", by=forum)
    keys = [t["key"] for t in theme_results.theme_summary(db_session, wave.id)["themes"]]
    urls = [
        "/forum/themes",
        f"/forum/themes?wave={wave.id}&ehcp_status=no",
        "/forum/coding-agreement",
        "/forum/emerging-themes",
        "/forum/codebook",
        "/staff/",
        *(f"/forum/themes/{key}?wave={wave.id}" for key in keys),
        *(f"/forum/comments/{c.id}" for c in codings),
    ]
    for url in urls:
        html = client_request.client.get(url).get_data(as_text=True)
        leaked = [p for p in PLANTED if p in html]
        assert not leaked, f"{url} shows {leaked}"
    assert "social_care_short_breaks" in keys and "communication" in keys


def test_emerging_themes_list_frequent_phrases_in_comments_with_no_theme(
    client_request, login_as, busy_wave, add_comment
):
    wave, _ = busy_wave
    add_comment(wave, "We need a changing places toilet at the beach for my daughter Philippa.")
    add_comment(wave, "There is no changing places toilet near the seafront.")
    login_as("forum")

    page = client_request.get(f"/forum/emerging-themes?wave={wave.id}")

    first = page.select_one("#candidate-1")
    assert "changing places toilet" in first.h2.get_text()
    assert "in 3 comments" in first.h2.get_text()
    assert "Philippa" not in str(page)
    assert first.select_one("a.govuk-button")["href"].startswith("/forum/codebook/add?phrase=")


def test_board_members_see_emerging_themes_without_the_add_button(
    client_request, login_as, busy_wave, add_comment
):
    wave, _ = busy_wave
    for _ in range(2):
        add_comment(wave, "There is no changing places toilet near the seafront.")
    login_as("board")
    page = client_request.get(f"/forum/emerging-themes?wave={wave.id}")
    assert page.select_one("#candidate-1") and not page.select("#candidate-1 a.govuk-button")


def test_themes_page_before_any_comment_is_coded(client_request, login_as, load_surveys):
    load_surveys()
    login_as("board")
    page = client_request.get("/forum/themes")
    assert "No comments have been coded yet" in page.get_text()


def test_new_online_responses_reach_the_themes_page_at_once(
    db_session, client_request, login_as, create_wave, complete_answers, frozen_time
):
    from feedback.services.responses import save_answers, start_draft, submit_draft

    frozen_time(clock.now())
    wave = create_wave()
    for text in TRANSPORT * 2:
        answers = complete_answers("parent-carer-annual")
        answers["general_comments"] = text
        answers.pop("kpi_4_1_comment")
        draft = start_draft(db_session, wave, days=30)
        save_answers(db_session, draft, answers, days=30)
        submit_draft(db_session, draft)
    login_as("forum")

    page = client_request.get(f"/forum/themes?wave={wave.id}")

    assert _row(page, "transport").select_one(".app-pct").get_text(strip=True) == "100.0%"


def test_comments_not_yet_coded_are_flagged_on_the_themes_page(
    client_request, login_as, busy_wave, add_comment
):
    wave, _ = busy_wave
    add_comment(wave, "Keyed from a paper form about the taxi.", code=False)
    login_as("forum")
    page = client_request.get(f"/forum/themes?wave={wave.id}")
    notice = page.select_one("#uncoded")
    assert "1 comment in this wave has not been coded yet" in notice.get_text()
    assert notice.select_one("a[href='/forum/codebook#outdated']")
