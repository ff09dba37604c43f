"""WTForms for the respondent pages, built from a question definition.

Fields only render and carry the CSRF token; whether an answer is acceptable is
decided by :mod:`surveys.validation`, the same rules paper returns and CSV
imports follow.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField

from surveys.schema import Question


class _NoChoiceCheck:
    """Leave option checking to :mod:`surveys.validation`, which words the message."""

    def pre_validate(self, form):  # noqa: D401 - WTForms hook
        return None


class AnswerRadio(_NoChoiceCheck, RadioField):
    pass


class AnswerCheckboxes(_NoChoiceCheck, SelectMultipleField):
    pass


class QuestionForm(FlaskForm):
    """One page: the answer, an optional comment box, and the draft it belongs to.

    The draft token rides in a hidden field as well as the session, so a page sent
    after the session expired can still find the answers already saved.
    """

    draft = HiddenField()
    continue_ = SubmitField("Continue", widget=GovSubmitInput())
    save = SubmitField("Save and come back later", widget=GovSubmitInput())


def question_form(question: Question, *, formdata=None, data=None) -> QuestionForm:
    """A form class for ``question``, instantiated with submitted or saved data."""

    class Form(QuestionForm):
        pass

    choices = [(o.code, o.label) for o in question.options]
    if question.type == "choice":
        Form.answer = AnswerRadio(question.text, choices=choices, widget=GovRadioInput(), description=question.hint)
    elif question.type == "multi_choice":
        Form.answer = AnswerCheckboxes(
            question.text, choices=choices, widget=GovCheckboxesInput(), description=question.hint
        )
    else:
        Form.answer = TextAreaField(question.text, widget=GovCharacterCount(), description=question.hint)
    if question.comment:
        Form.comment = TextAreaField(
            question.comment.label, widget=GovCharacterCount(), description=question.comment.hint
        )
    kwargs = {} if formdata is None else {"formdata": formdata}
    return Form(data=data or {}, **kwargs)


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
