"""WTForms for the respondent pages: CSRF protection and the few fixed fields.

Whether an answer is acceptable is decided by :mod:`surveys.validation`, the
same rules paper returns and CSV imports follow.
"""

from __future__ import annotations

from flask import current_app, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import ValidationError

from feedback.respond.csrf_tokens import check_token


class QuestionForm(FlaskForm):
    """One page's CSRF token and the draft it belongs to.

    The answer fields themselves are drawn with GOV.UK macros from the question
    definition (see :mod:`feedback.respond.presenters`) and checked by
    :mod:`surveys.validation`. The draft token rides in a hidden field as well as
    the session, so a page sent after the session expired can still find the
    answers already saved.
    """

    draft = HiddenField()


def question_form_accepted() -> bool:
    """What ``QuestionForm().validate_on_submit()`` decides for this POST, without the form.

    ``QuestionForm`` checks nothing but its CSRF token (its draft field has no
    validators), and building a WTForms form for that was 2.5% of a loaded
    worker's CPU, paid on every answer. The token is checked as Flask-WTF's
    ``validate_csrf`` checks it (:mod:`feedback.respond.csrf_tokens`).
    """
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    try:
        check_token(request.form.get(field))
    except ValidationError:
        return False
    return True


class StartForm(FlaskForm):
    start = SubmitField("Start now", widget=GovSubmitInput())


class SubmitForm(FlaskForm):
    draft = HiddenField()
    submit = SubmitField("Send my answers", widget=GovSubmitInput())


class ResumeForm(FlaskForm):
    code = StringField(
        "Your resume code",
        widget=GovTextInput(),
        description="It has 8 letters and numbers, for example K7PM-Q9XD.",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
