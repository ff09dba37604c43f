"""Officers read a comment's original text: a separate page, and every read is audited.

The page first asks why (GET shows the question, nothing else); the raw
text is only sent in the response to that form, after the audit event is
committed, so no read of raw text goes unrecorded and a GET never writes.
Forum and board members do not have ``comments.raw`` and get 403.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from feedback.extensions import db
from feedback.forum.forms_themes import RawViewForm
from feedback.forum.presenters_themes import comment_view
from feedback.manage import bp
from feedback.permissions import permission_required
from feedback.queries import comments as queries
from feedback.services.comments import reveal_raw
from feedback.services.theme_results import theme_labels


@bp.route("/comments/<int:coding_id>/original", methods=["GET", "POST"])
@permission_required("comments.raw")
def comment_raw(coding_id: int):
    coding = queries.coding(db.session, coding_id)
    if coding is None:
        abort(404)
    form = RawViewForm()
    raw, revealed = None, False
    if form.validate_on_submit():
        raw = reveal_raw(
            db.session, coding, by=current_user, reason=form.reason.data, ip=request.remote_addr
        )
        revealed = True
    return render_template(
        "manage/comment_raw.html",
        title="Original comment",
        form=form,
        comment=comment_view(coding, theme_labels(db.session)),
        raw=raw,
        revealed=revealed,
    ), 400 if form.errors else 200
