"""A small world to walk: an open wave of each survey, a draft, responses and staff."""

from __future__ import annotations

import pytest

from feedback import clock
from feedback.models import Draft
from feedback.services.responses import start_draft
from tests.security.walk import Samples


@pytest.fixture
def world(db_session, create_wave, create_response, create_user, definitions):
    """Rows for every URL argument the routes use today; see :class:`Samples` for the rest."""
    waves = {slug: create_wave(slug) for slug in definitions}
    closed = create_wave("kpi-pulse", state="closed")
    responses = [create_response(w) for w in waves.values()]
    draft: Draft = start_draft(db_session, waves["parent-carer-annual"], days=30)
    users = {"officer": create_user("officer")}  # scrypt is slow: one account is enough
    wave = waves["parent-carer-annual"]
    samples = Samples(
        {
            "code": [wave.code],
            "qid": [definitions["parent-carer-annual"].questions[0].id],
            "token": [draft.token],
            "filename": ["css/app.css"],
            "slug": ["parent-carer-annual"],
            "reference": [responses[0].reference],
            "wave_id": [wave.id],
            "survey_id": [wave.version.survey_id],
            "version_id": [wave.survey_version_id],
            "survey_version_id": [wave.survey_version_id],
            "response_id": [responses[0].id],
            "user_id": [users["officer"].id],
            "draft_id": [draft.id],
            "year": [clock.now().year],
        },
        session=db_session,
    )
    return {
        "waves": waves,
        "closed": closed,
        "responses": responses,
        "draft": draft,
        "users": users,
        "samples": samples,
    }
