"""WTForms for the respondent pages: CSRF protection and the few fixed fields.

Whether an answer is acceptable is decided by :mod:`surveys.validation`, the
same rules paper returns and CSV imports follow.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField


class QuestionForm(FlaskForm):
    """One page's CSRF token and the draft it belongs to.

    The answer fields themselves are drawn with GOV.UK macros from the question
    definition (see :mod:`feedback.respond.presenters`) and checked by
    :mod:`surveys.validation`. The draft token rides in a hidden field as well as
    the session, so a page sent after the session expired can still find the
    answers already saved.
    """

    draft = HiddenField()


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
