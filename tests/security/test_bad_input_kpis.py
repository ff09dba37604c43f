"""The bad-input payloads against the officers' KPI forms the general walk cannot reach.

The walk fills URL arguments from sample rows: ``<slug>`` is a survey's, so the
KPI pages (``/manage/kpis/4-1``...) are 404 to it, and with no commentary or
other-KPI values in its world there are no change or delete links to follow.
Here the KPI pages get those rows, and their forms are found and attacked the
same way: changes first, then withdrawing and deleting, which end the rows.
"""

from __future__ import annotations

from datetime import date

from feedback.services import kpis as service
from tests.security import test_bad_input as general
from tests.security.test_bad_input import (
    PAYLOADS,
    STAFF_SAMPLE,
    assert_nothing_stored_differs_by_database,
)

walker = general.walker  # the general walk's fixture: one browser session checking every reply

#: Forms that end the row they act on go last, so the others find it still there.
ENDING = (
    "manage.kpi_baseline_withdraw",
    "manage.kpi_commentary_delete",
    "manage.kpis_other_delete",
)


def _kpi_rows(db_session) -> dict:
    service.seed_baselines(db_session)
    draft = service.new_baseline_version(
        db_session, "4/1", value=40.0, baseline_date=date(2019, 12, 18), reason="Recount"
    )
    note = service.add_commentary(
        db_session, "4/1", period_label="Dec-20", period_end=date(2020, 12, 31), body="Closed."
    )
    value = service.add_other_value(
        db_session,
        code="5/1",
        measure="Average waiting time",
        unit="weeks",
        value=9.0,
        period_date=date(2019, 11, 30),
    )
    return {"draft": draft.id, "commentary": note.id, "value": value.id}


def test_every_kpi_change_and_delete_form_survives_every_payload(app, walker, login_as, db_session):
    ids = _kpi_rows(db_session)
    login_as("admin")
    pages = [
        "/manage/kpis/4-1",
        "/manage/kpis/other",
        f"/manage/kpis/4-1/baselines/{ids['draft']}/edit",
        f"/manage/kpis/4-1/baselines/{ids['draft']}/withdraw",
        f"/manage/kpis/4-1/commentary/{ids['commentary']}/edit",
        f"/manage/kpis/4-1/commentary/{ids['commentary']}/delete",
        f"/manage/kpis/other/{ids['value']}/edit",
        f"/manage/kpis/other/{ids['value']}/delete",
    ]
    forms = sorted(walker.discover(pages), key=lambda f: (f.endpoint in ENDING, f.action))

    for form in forms:
        walker.attack(form, PAYLOADS, STAFF_SAMPLE, pack=True)
    for url in pages:
        walker.get(url)

    assert {
        "manage.kpi_baseline_edit",
        "manage.kpi_baseline_withdraw",
        "manage.kpi_commentary_edit",
        "manage.kpi_commentary_delete",
        "manage.kpis_other_edit",
        "manage.kpis_other_delete",
    } <= set(walker.forms_tried)
    walker.assert_no_problems()
    assert_nothing_stored_differs_by_database(db_session)
    print(f"\n{walker.sent} payload requests to {len(forms)} KPI forms: {walker.forms_tried}")
