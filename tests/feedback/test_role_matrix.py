"""Which role reaches which staff page: the intended matrix, checked by real requests.

Each row says which roles a route is *meant* for, written from the issue's
description of the roles rather than read back from the code's declared
permission, so a page declared with the wrong permission fails here. Allowed
roles must get 200 or 302 (or, for a row whose URL points at an object these
tests do not create, anything but 403); everyone else must get 403. Anonymous
visitors are sent to sign in.

Adding a staff route? Add a row to ``MATRIX``: the last test fails until
every staff endpoint has one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from feedback.models import Survey
from feedback.services import lifecycle, users

ALL = frozenset({"admin", "officer", "forum", "board"})
FORUM_AND_OFFICERS = frozenset({"admin", "officer", "forum"})
OFFICERS = frozenset({"admin", "officer"})
ADMIN = frozenset({"admin"})
ROLES = sorted(ALL)

#: Statuses an allowed role may get when the URL names something that does not exist.
_NOT_FORBIDDEN = frozenset({200, 302, 400, 404})


@dataclass(frozen=True)
class Route:
    endpoint: str
    #: A URL template filled from the ``ids`` fixture: {wave_id}, {survey_id},
    #: {version_id} (approved), {draft_id}, {review_id} (in forum review),
    #: {response_id}, {other_user_id}, {inactive_user_id} (deactivated), {new_survey_id}
    #: (no draft yet); {missing} is an id that does not exist.
    url: str
    allowed: frozenset[str]
    method: str = "GET"
    data: tuple[tuple[str, str], ...] = ()
    #: False for a form sent without its fields: an allowed role may then get 400.
    complete: bool = True

    @property
    def ok(self) -> frozenset[int]:
        """What an allowed role may get."""
        if "{missing}" in self.url or not self.complete:
            return _NOT_FORBIDDEN
        return frozenset({200, 302})


MATRIX: list[Route] = [
    Route("staff.home", "/staff/", ALL),
    # Surveys, versions and forum review (issue 3, part A)
    Route("manage.surveys", "/manage/surveys", OFFICERS),
    Route("manage.version", "/manage/surveys/versions/{version_id}", OFFICERS),
    Route("manage.edit_version", "/manage/surveys/versions/{draft_id}/edit", OFFICERS),
    Route("manage.new_version", "/manage/surveys/{new_survey_id}/versions", OFFICERS, "POST"),
    Route("manage.move_version", "/manage/surveys/versions/{draft_id}/review", OFFICERS, "POST"),
    Route("forum.reviews", "/forum/reviews", FORUM_AND_OFFICERS),
    Route("forum.review", "/forum/reviews/{review_id}", FORUM_AND_OFFICERS),
    Route(
        "forum.comment",
        "/forum/reviews/{review_id}/comments",
        FORUM_AND_OFFICERS,
        "POST",
        (("question_id", "kpi_4_1"), ("body", "Clearer, please")),
    ),
    Route(
        "forum.sign_off",
        "/forum/reviews/{review_id}/sign-off",
        FORUM_AND_OFFICERS,
        "POST",
        (("decision", "approve"), ("note", "")),
    ),
    # Waves and participation
    Route("manage.waves", "/manage/waves", OFFICERS),
    Route("manage.new_wave", "/manage/waves/new", OFFICERS),
    Route("manage.edit_wave", "/manage/waves/{wave_id}/edit", OFFICERS),
    Route("manage.wave_action", "/manage/waves/{wave_id}/close", OFFICERS, "POST"),
    Route("manage.monitor", "/manage/participation", ALL),
    Route("manage.participation", "/manage/waves/{wave_id}/participation", ALL),
    # Accounts and audit
    Route("manage.users", "/manage/users", ADMIN),
    Route("manage.new_user", "/manage/users/new", ADMIN),
    Route("manage.deactivate_user", "/manage/users/{other_user_id}/deactivate", ADMIN),
    Route("manage.deactivate_user", "/manage/users/{other_user_id}/deactivate", ADMIN, "POST"),
    Route("manage.reactivate_user", "/manage/users/{inactive_user_id}/reactivate", ADMIN),
    Route(
        "manage.reactivate_user",
        "/manage/users/{inactive_user_id}/reactivate",
        ADMIN,
        "POST",
        (("password", "a-new-long-password"),),
    ),
    Route("manage.audit", "/manage/audit", ADMIN),
    # Data in and out, retention and erasure (issue 3, part B): raw data is officers' only
    Route("manage.data", "/manage/data", OFFICERS),
    Route("manage.returns", "/manage/waves/{wave_id}/returns", OFFICERS),
    Route("manage.new_return", "/manage/waves/{wave_id}/returns/new", OFFICERS),
    Route(
        "manage.late_decision",
        "/manage/waves/{wave_id}/returns/{missing}/decision",
        OFFICERS,
        "POST",
    ),
    Route("manage.import_responses", "/manage/waves/{wave_id}/import", OFFICERS),
    Route("manage.export_responses", "/manage/waves/{wave_id}/export", OFFICERS),
    Route("manage.erase_lookup", "/manage/data/erase", OFFICERS),
    Route("manage.erase_confirm", "/manage/data/erase/{missing}", OFFICERS),
    Route("manage.retention", "/manage/data/retention", OFFICERS),
    Route("manage.retention_edit", "/manage/data/retention/{survey_id}", OFFICERS),
    Route("forum.exports", "/forum/exports", FORUM_AND_OFFICERS),
    Route(
        "forum.export_counts",
        "/forum/exports/{wave_id}",
        FORUM_AND_OFFICERS,
        "POST",
        complete=False,
    ),
    # KPI results and governance (issue 4)
    Route("forum.dashboard", "/forum/dashboard", ALL),
    Route("forum.report", "/forum/waves/{wave_id}/report", ALL),
    Route("forum.report_html", "/forum/waves/{wave_id}/report.html", ALL),
    Route("forum.report_xlsx", "/forum/waves/{wave_id}/report.xlsx", ALL),
    Route("manage.kpis", "/manage/kpis", OFFICERS),
    Route("manage.kpis_other", "/manage/kpis/other", OFFICERS),
    Route("manage.kpis_export", "/manage/kpis/export", OFFICERS, "POST", complete=False),
    Route("manage.kpi_detail", "/manage/kpis/{missing}", OFFICERS),
    Route("manage.kpi_baseline_new", "/manage/kpis/{missing}/baselines/new", OFFICERS),
    Route("manage.kpi_milestones", "/manage/kpis/{missing}/milestones", OFFICERS),
    Route(
        "manage.kpi_baseline_decide",
        "/manage/kpis/{missing}/baselines/{missing}/agree",
        OFFICERS,
        "POST",
    ),
    Route("manage.kpi_baseline_edit", "/manage/kpis/4-1/baselines/{missing}/edit", OFFICERS),
    Route(
        "manage.kpi_baseline_withdraw", "/manage/kpis/4-1/baselines/{missing}/withdraw", OFFICERS
    ),
    Route("manage.kpi_commentary_edit", "/manage/kpis/4-1/commentary/{missing}/edit", OFFICERS),
    Route("manage.kpi_commentary_delete", "/manage/kpis/4-1/commentary/{missing}/delete", OFFICERS),
    Route("manage.kpis_other_edit", "/manage/kpis/other/{missing}/edit", OFFICERS),
    Route("manage.kpis_other_delete", "/manage/kpis/other/{missing}/delete", OFFICERS),
    # Comments and themes (issue 5): redacted for all, coding for the forum, raw for officers
    Route("forum.themes", "/forum/themes", ALL),
    Route("forum.theme", "/forum/themes/{missing}", ALL),
    Route("forum.emerging", "/forum/emerging-themes", ALL),
    Route("forum.agreement", "/forum/coding-agreement", ALL),
    Route("forum.codebook", "/forum/codebook", ALL),
    Route("forum.codebook_add", "/forum/codebook/add", FORUM_AND_OFFICERS),
    Route("forum.codebook_edit", "/forum/codebook/{missing}/edit", FORUM_AND_OFFICERS),
    Route("forum.codebook_merge", "/forum/codebook/{missing}/merge", FORUM_AND_OFFICERS),
    Route("forum.codebook_retire", "/forum/codebook/{missing}/retire", FORUM_AND_OFFICERS),
    Route(
        "forum.codebook_recode",
        "/forum/codebook/recode",
        FORUM_AND_OFFICERS,
        "POST",
        complete=False,
    ),
    Route("forum.comment_coding", "/forum/comments/{missing}", FORUM_AND_OFFICERS),
    Route("manage.comment_raw", "/manage/comments/{missing}/original", OFFICERS),
    # You said, we did (issue 6)
    Route("forum.actions", "/forum/actions", ALL),
    Route("forum.action", "/forum/actions/{missing}", ALL),
    Route("forum.action_comment", "/forum/actions/{missing}/comments", FORUM_AND_OFFICERS, "POST"),
    Route("manage.actions", "/manage/actions", OFFICERS),
    Route("manage.action_new", "/manage/actions/new", OFFICERS),
    Route("manage.action_edit", "/manage/actions/{missing}", OFFICERS),
    Route("manage.action_publish", "/manage/actions/{missing}/publish", OFFICERS, "POST"),
    Route("manage.action_unpublish", "/manage/actions/{missing}/unpublish", OFFICERS, "POST"),
]


@pytest.fixture
def ids(db_session, load_surveys, create_wave, create_response, create_user) -> dict:
    """One of everything the matrix URLs name."""
    load_surveys()
    officer = create_user("officer")
    surveys = {s.slug: s for s in db_session.scalars(select(Survey))}
    pulse, annual = surveys["kpi-pulse"], surveys["parent-carer-annual"]
    approved = pulse.latest
    draft = lifecycle.new_draft(db_session, pulse, by=officer)
    review = lifecycle.new_draft(db_session, annual, by=officer)
    lifecycle.move(db_session, review, "review", by=officer)
    wave = create_wave("kpi-pulse", version=approved)
    response = create_response(wave)
    return {
        "survey_id": pulse.id,
        "new_survey_id": surveys["young-person"].id,
        "version_id": approved.id,
        "draft_id": draft.id,
        "review_id": review.id,
        "wave_id": wave.id,
        "response_id": response.id,
        "other_user_id": create_user("board").id,
        "inactive_user_id": users.deactivate(db_session, create_user("forum").email).id,
        "missing": 987654,
    }


def _status(client_request, route: Route, ids: dict, token: str) -> int:
    url = route.url.format(**ids)
    if route.method == "GET":
        return client_request.client.get(url).status_code
    data = dict(route.data, csrf_token=token)
    return client_request.client.post(url, data=data).status_code


def _registered(app) -> list[Route]:
    """Rows whose endpoint exists (another engineer's page may not be merged yet)."""
    return [r for r in MATRIX if r.endpoint in app.view_functions]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_meant_for_it(role, app, client_request, login_as, ids):
    login_as(role)
    token = client_request.csrf_token("/staff/")
    wrong = []
    # Pages first, then the actions that change things, so one does not hide another.
    for route in sorted(_registered(app), key=lambda r: r.method != "GET"):
        status = _status(client_request, route, ids, token)
        allowed = role in route.allowed
        if not (status in route.ok if allowed else status == 403):
            expected = "/".join(map(str, sorted(route.ok))) if allowed else "403"
            wrong.append(f"{route.method} {route.endpoint}: {status}, expected {expected}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_anonymous_visitors_are_sent_to_sign_in(app, client, ids):
    not_sent = []
    for route in _registered(app):
        if route.method != "GET":
            continue
        response = client.get(route.url.format(**ids))
        if response.status_code != 302 or not response.location.startswith("/staff/login"):
            not_sent.append(f"{route.endpoint}: {response.status_code}")
    assert not not_sent


def test_a_forum_member_cannot_read_raw_data_by_id(client_request, login_as, ids, app):
    """No IDOR: knowing an id does not get the forum past the officers-only pages."""
    login_as("forum")
    for route in _registered(app):
        if route.allowed == OFFICERS and route.method == "GET":
            url = route.url.format(**ids)
            assert client_request.client.get(url).status_code == 403, url


def test_every_staff_endpoint_has_a_row(app):
    rows = {r.endpoint for r in MATRIX}
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("staff", "manage", "forum")
        and rule.endpoint not in rows
        and rule.endpoint not in ("staff.home",)
    )
    assert not missing, f"add rows to tests/feedback/test_role_matrix.py MATRIX for: {missing}"
