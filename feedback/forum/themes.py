"""The themes view: what people said, by theme, with personal data removed.

Forum, board and officers (``comments.redacted``) see theme shares, trends
and sentiment, redacted comments with the words that made each theme, and
agreement between automatic and human coding. Forum members and officers
(``comments.code``) confirm or change a comment's coding. Raw text is never
shown here: officers read it on an audited page in ``manage``.

Every number goes through :mod:`feedback.services.theme_results`, so groups
of fewer than 10 people show "c" in every filtered view.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from feedback.extensions import db
from feedback.forum import bp
from feedback.forum.forms_themes import CodingForm
from feedback.forum.presenters_themes import (
    coding_choices,
    comment_view,
    filters_from,
    page_number,
    safe_back,
    sentiment_chart,
    themes_chart,
)
from feedback.permissions import permission_required
from feedback.queries import comments as queries
from feedback.services import theme_results
from feedback.services.comments import CodingError, save_human_coding


@bp.get("/themes")
@permission_required("comments.redacted")
def themes():
    form, wave, filters = filters_from(db.session, request.args)
    if wave is None:
        return render_template("forum/themes.html", title="Themes in comments", wave=None)
    summary = theme_results.theme_summary(db.session, wave.id, filters, quotes=False)
    return render_template(
        "forum/themes.html",
        title="Themes in comments",
        form=None,
        filter_form=form,
        wave=wave,
        summary=summary,
        themes_chart=themes_chart(theme_results.themes_by_wave(db.session, wave.id, filters)),
        sentiment_chart=sentiment_chart(
            theme_results.sentiment_by_theme(db.session, wave.id, filters)
        ),
        args=filters.as_args() | {"wave": wave.id},
        uncoded=queries.count_uncoded(db.session, wave.id),
        can_edit=current_user.can("codebook.edit"),
    )


@bp.get("/themes/<key>")
@permission_required("comments.redacted")
def theme(key: str):
    form, wave, filters = filters_from(db.session, request.args)
    labels = theme_results.theme_labels(db.session)
    if wave is None or key not in labels:
        abort(404)
    page = page_number(request.args)
    drill = theme_results.theme_comments(db.session, wave.id, key, filters, page=page)
    return render_template(
        "forum/theme.html",
        title=f"Theme: {labels[key]}",
        key=key,
        label=labels[key],
        wave=wave,
        filter_form=form,
        drill=drill,
        comments=[comment_view(c, labels) for c in drill["codings"]],
        page=page,
        args=filters.as_args() | {"wave": wave.id},
        can_code=current_user.can("comments.code"),
        can_read_raw=current_user.can("comments.raw"),
    )


@bp.route("/comments/<int:coding_id>", methods=["GET", "POST"])
@permission_required("comments.code")
def comment_coding(coding_id: int):
    coding = queries.coding(db.session, coding_id)
    if coding is None:
        abort(404)
    labels = theme_results.theme_labels(db.session)
    form = CodingForm(data={"themes": coding.final_themes, "sentiment": coding.final_sentiment})
    form.themes.choices = coding_choices(db.session, coding.final_themes)
    back = safe_back(request.args.get("back"), url_for("forum.themes"))
    if form.validate_on_submit():
        try:
            save_human_coding(
                db.session,
                coding,
                themes=form.themes.data,
                sentiment=form.sentiment.data,
                by=current_user,
            )
        except CodingError as exc:
            form.themes.errors.append(str(exc))
        else:
            flash(
                "Coding saved. It now counts everywhere instead of the automatic coding.",
                "success",
            )
            return redirect(back)
    status = 400 if form.errors else 200
    return render_template(
        "forum/comment.html",
        title="Check the coding of a comment",
        form=form,
        comment=comment_view(coding, labels),
        can_read_raw=current_user.can("comments.raw"),
        back=back,
    ), status


@bp.get("/coding-agreement")
@permission_required("comments.redacted")
def agreement():
    form, wave, _ = filters_from(db.session, request.args)
    if not request.args.get("wave"):  # every wave unless one is chosen
        wave, form.wave.data = None, ""
    form.wave.choices.insert(0, SelectChoice("", "All waves"))
    result = theme_results.agreement(db.session, wave.id if wave else None)
    return render_template(
        "forum/agreement.html",
        title="Agreement between automatic and human coding",
        filter_form=form,
        wave=wave,
        result=result,
    )


@bp.get("/emerging-themes")
@permission_required("comments.redacted")
def emerging():
    form, wave, filters = filters_from(db.session, request.args)
    candidates = theme_results.emerging(db.session, wave.id, filters) if wave else None
    return render_template(
        "forum/emerging.html",
        title="Possible new themes",
        filter_form=form,
        wave=wave,
        candidates=candidates,
        can_edit=current_user.can("codebook.edit"),
    )
