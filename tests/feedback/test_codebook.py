"""The stored codebook: versions, edits by forum members and officers, and recoding with them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from analysis.comments.codebook import default_codebook
from feedback.models import AuditEvent, CodebookVersion, CommentCoding
from feedback.models.comments import AUTO, HUMAN
from feedback.services import codebook as service
from feedback.services.comments import code_new_comments, save_human_coding

TOILET = "The changing places toilet in the shopping centre is always locked."


def _versions(db_session):
    return db_session.scalars(
        select(CodebookVersion.version).order_by(CodebookVersion.version)
    ).all()


def test_first_coding_seeds_the_default_codebook_as_version_one(
    db_session, create_wave, create_response
):
    create_response(create_wave())
    code_new_comments(db_session)
    stored = db_session.scalars(select(CodebookVersion)).one()
    assert stored.version == 1
    assert [t["key"] for t in stored.data["themes"]] == [t.key for t in default_codebook().themes]


def test_adding_a_theme_saves_a_new_version_and_recoding_uses_it(
    db_session, small_codebook, create_wave, add_comment, create_user
):
    coding = add_comment(create_wave(), TOILET)
    assert coding.theme_keys(AUTO) == []
    forum = create_user("forum")

    version = service.add_theme(
        db_session,
        label="Changing places",
        description="Accessible toilets with a hoist and bench",
        cues=service.make_cues("changing places\nhoist*", ""),
        by=forum,
    )
    recoded = code_new_comments(db_session, recode=True)

    assert _versions(db_session) == [1, 2] and version.version == 2
    assert recoded == 1
    db_session.expire_all()
    coding = db_session.get(CommentCoding, coding.id)
    assert coding.theme_keys(AUTO) == ["changing_places"]
    assert coding.codebook_version_id == version.id
    assert coding.evidence["changing_places"] == ["changing places"]
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "codebook.edit")).one()
    assert event.user_id == forum.id and event.target == "codebook:2"


def test_old_versions_stay_as_they_were(db_session, small_codebook, create_user):
    officer = create_user("officer")
    service.reword_theme(
        db_session,
        "transport",
        label="Getting to school",
        description="",
        cues=service.make_cues("taxi*", ""),
        by=officer,
    )
    first, second = db_session.scalars(select(CodebookVersion).order_by(CodebookVersion.version))
    assert first.data["themes"][0]["label"] == "Travel and transport"
    assert second.data["themes"][0]["label"] == "Getting to school"
    assert service.codebook_of(second).theme("transport").cues[0].phrase == "taxi*"


def test_a_cue_that_does_not_compile_is_refused(db_session, small_codebook, create_user):
    with pytest.raises(service.CodebookError, match="Enter cues in the cue language"):
        service.add_theme(
            db_session,
            label="Broken",
            description="",
            cues=service.make_cues("re:(unclosed", ""),
            by=create_user("forum"),
        )
    assert _versions(db_session) == [1]


def test_a_theme_name_already_used_is_refused(db_session, small_codebook, create_user):
    with pytest.raises(service.CodebookError, match="already a theme"):
        service.add_theme(
            db_session,
            label="Transport",
            description="",
            cues=service.make_cues("lift*", ""),
            by=create_user("forum"),
        )


def test_retired_theme_is_no_longer_coded_after_recoding(
    db_session, small_codebook, create_wave, add_comment, create_user
):
    coding = add_comment(create_wave(), "The taxi was late again.")
    service.retire_theme(db_session, "transport", by=create_user("officer"))
    code_new_comments(db_session, recode=True)
    db_session.expire_all()
    assert db_session.get(CommentCoding, coding.id).theme_keys(AUTO) == []
    assert service.codebook_of(service.latest_version(db_session)).theme("transport").retired


def test_merging_moves_peoples_codings_to_the_target_theme(
    db_session, small_codebook, create_wave, add_comment, create_user
):
    wave = create_wave()
    forum = create_user("forum")
    one = add_comment(wave, "The parent carer forum helped us a lot.")
    two = add_comment(wave, "The forum rang back the same day.")
    save_human_coding(
        db_session, one, themes=["peer_support_forum"], sentiment="positive", by=forum
    )
    save_human_coding(
        db_session,
        two,
        themes=["peer_support_forum", "communication"],
        sentiment="positive",
        by=forum,
    )

    service.merge_themes(db_session, "peer_support_forum", "communication", by=forum)

    db_session.expire_all()
    assert db_session.get(CommentCoding, one.id).theme_keys(HUMAN) == ["communication"]
    assert db_session.get(CommentCoding, two.id).theme_keys(HUMAN) == ["communication"]
    book = service.codebook_of(service.latest_version(db_session))
    assert book.theme("peer_support_forum").retired
    assert "forum" in [c.phrase for c in book.theme("communication").cues]


def test_forum_member_adds_a_theme_with_the_form(
    db_session, client_request, login_as, small_codebook
):
    login_as("forum")
    response = client_request.post(
        "/forum/codebook/add",
        {
            "label": "Changing places",
            "description": "Accessible toilets",
            "cues": "changing places\nhoist*\n\nhoist*",
            "weak_cues": "toilet*",
            "note": "Raised at the June forum meeting",
        },
    )
    assert response.location == "/forum/codebook"
    latest = service.codebook_of(service.latest_version(db_session))
    cues = latest.theme("changing_places").cues
    assert [(c.phrase, c.weight) for c in cues] == [
        ("changing places", 1.0),
        ("hoist*", 1.0),
        ("toilet*", 0.5),
    ]
    page = client_request.get("/forum/codebook")
    assert page.select_one("#theme-changing_places h2").get_text(strip=True) == "Changing places"
    assert "Raised at the June forum meeting" in page.select_one("#codebook-history").get_text()


def test_theme_form_without_cues_shows_an_error(client_request, login_as, small_codebook):
    login_as("officer")
    response = client_request.post(
        "/forum/codebook/add", {"label": "Lifts", "cues": ""}, expected_status=400
    )
    assert "Enter at least one cue" in response.page.select_one(".govuk-error-summary").get_text()


def test_emerging_phrase_prefills_the_add_form(client_request, login_as, small_codebook):
    login_as("forum")
    page = client_request.get("/forum/codebook/add?phrase=changing places toilet")
    assert page.select_one("input[name=label]")["value"] == "Changing places toilet"
    assert page.select_one("textarea[name=cues]").get_text().strip() == "changing places toilet"


def test_edit_form_shows_the_current_cues_and_saves_a_version(
    db_session, client_request, login_as, small_codebook
):
    login_as("forum")
    page = client_request.get("/forum/codebook/transport/edit")
    assert "taxi*" in page.select_one("textarea[name=cues]").get_text()

    client_request.post(
        "/forum/codebook/transport/edit",
        {"label": "School transport", "cues": "taxi*\nminibus*", "description": ""},
    )

    assert _versions(db_session) == [1, 2]
    theme = service.codebook_of(service.latest_version(db_session)).theme("transport")
    assert theme.label == "School transport"
    assert [c.phrase for c in theme.cues] == ["taxi*", "minibus*"]


def test_retire_and_merge_pages_save_new_versions(
    db_session, client_request, login_as, small_codebook
):
    login_as("officer")
    client_request.post("/forum/codebook/waiting_times/retire", {"note": "Folded elsewhere"})
    client_request.post(
        "/forum/codebook/peer_support_forum/merge", {"target": "communication", "note": ""}
    )
    assert _versions(db_session) == [1, 2, 3]
    book = service.codebook_of(service.latest_version(db_session))
    assert book.theme("waiting_times").retired and book.theme("peer_support_forum").retired


def test_recode_button_recodes_comments_on_older_versions(
    db_session, client_request, login_as, small_codebook, create_wave, add_comment, create_user
):
    coding = add_comment(create_wave(), TOILET)
    service.add_theme(
        db_session,
        label="Changing places",
        description="",
        cues=service.make_cues("changing places", ""),
        by=create_user("officer"),
    )
    login_as("forum")
    page = client_request.get("/forum/codebook")
    assert "1 comment was coded with an earlier version" in page.select_one("#outdated").get_text()

    client_request.post("/forum/codebook/recode", {}, form_url="/forum/codebook")

    db_session.expire_all()
    assert db_session.get(CommentCoding, coding.id).theme_keys(AUTO) == ["changing_places"]
    assert client_request.get("/forum/codebook").select_one("#outdated") is None


def test_board_members_read_the_codebook_but_cannot_change_it(
    client_request, login_as, small_codebook
):
    login_as("board")
    page = client_request.get("/forum/codebook")
    assert page.select_one("#theme-transport")
    assert not page.select("a[href$='/edit']") and not page.select("a[href='/forum/codebook/add']")
    for url in (
        "/forum/codebook/add",
        "/forum/codebook/transport/edit",
        "/forum/codebook/transport/retire",
        "/forum/codebook/transport/merge",
    ):
        client_request.get(url, expected_status=403)


def test_editing_a_theme_that_does_not_exist_is_not_found(client_request, login_as, small_codebook):
    login_as("forum")
    client_request.get("/forum/codebook/no_such_theme/edit", expected_status=404)


def test_comments_stored_without_coding_are_listed_and_coded_by_the_button(
    db_session, client_request, login_as, small_codebook, create_wave, add_comment
):
    response = add_comment(create_wave(), "The taxi was late.", code=False)
    login_as("officer")
    page = client_request.get("/forum/codebook")
    assert "1 comment has not been coded yet" in page.select_one("#uncoded").get_text()

    client_request.post("/forum/codebook/recode", {}, form_url="/forum/codebook")

    coding = db_session.scalars(
        select(CommentCoding).where(CommentCoding.response_id == response.id)
    ).one()
    assert coding.theme_keys(AUTO) == ["transport"]
