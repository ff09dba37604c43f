"""``flask comments seed-codebook`` and ``flask comments code [--wave] [--recode]``."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback.models import CodebookVersion, CommentCoding
from feedback.models.comments import AUTO
from feedback.services import codebook as service


def _count(db_session, wave=None):
    query = select(func.count(CommentCoding.id))
    if wave is not None:
        query = query.where(CommentCoding.wave_id == wave.id)
    return db_session.scalar(query)


def test_seed_codebook_saves_version_one_once(app, db_session):
    runner = app.test_cli_runner()
    assert "codebook at version 1" in runner.invoke(args=["comments", "seed-codebook"]).output
    assert "codebook at version 1" in runner.invoke(args=["comments", "seed-codebook"]).output
    assert db_session.scalar(select(func.count(CodebookVersion.id))) == 1


def test_code_backfills_comments_stored_without_coding(
    app, db_session, create_wave, create_response
):
    first, second = create_wave(), create_wave()
    create_response(first)
    create_response(second)  # two comments each, stored as a paper return would be

    result = app.test_cli_runner().invoke(args=["comments", "code", "--wave", str(first.id)])

    assert result.exit_code == 0, result.output
    assert "coded 2 comments" in result.output
    assert (_count(db_session, first), _count(db_session, second)) == (2, 0)
    result = app.test_cli_runner().invoke(args=["comments", "code"])
    assert "coded 2 comments" in result.output and _count(db_session) == 4


def test_recode_applies_a_changed_codebook(
    app, db_session, small_codebook, create_wave, add_comment, create_user
):
    coding = add_comment(create_wave(), "The changing places toilet is always locked.")
    service.add_theme(
        db_session,
        label="Changing places",
        description="",
        cues=service.make_cues("changing places", ""),
        by=create_user("forum"),
    )
    runner = app.test_cli_runner()
    assert "coded 0 comments" in runner.invoke(args=["comments", "code"]).output

    result = runner.invoke(args=["comments", "code", "--recode"])

    assert "coded 1 comment" in result.output and "v2" in result.output
    db_session.expire_all()
    assert db_session.get(CommentCoding, coding.id).theme_keys(AUTO) == ["changing_places"]


def test_code_refuses_an_unknown_wave(app, db_session):
    result = app.test_cli_runner().invoke(args=["comments", "code", "--wave", "999999"])
    assert result.exit_code != 0 and "no wave with id 999999" in result.output
