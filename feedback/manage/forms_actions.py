"""Forms for "You said, we did" actions: officers record and edit, forum members comment."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from feedback.form_fields import GovDateField
from feedback.models.actions import ActionStatus
from feedback.services.actions import MAX_COMMENT, subject_choices


class ActionForm(FlaskForm):
    subject = SelectField(
        "Which theme or KPI does this answer?",
        widget=GovSelect(),
        validators=[InputRequired("Select the theme or KPI this action answers")],
    )
    you_said = TextAreaField(
        "You said: what we heard",
        widget=GovTextArea(),
        validators=[InputRequired("Enter what we heard"), Length(max=4000)],
        description="Write it as families would say it, without names or other personal details.",
    )
    we_did = TextAreaField(
        "We did: what we will do, or did",
        widget=GovTextArea(),
        validators=[InputRequired("Enter what we will do or did"), Length(max=4000)],
    )
    owner = StringField(
        "Owner",
        widget=GovTextInput(),
        validators=[InputRequired("Enter who owns this action"), Length(max=200)],
        description="A team or role, for example SEND Team Manager.",
    )
    due_on = GovDateField("Due date (optional)", description="For example, 31 3 2027")
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=[SelectChoice(s.value, s.label) for s in ActionStatus],
        validators=[InputRequired("Select a status")],
    )
    note = TextAreaField(
        "Note for the history (optional)",
        widget=GovTextArea(),
        validators=[Length(max=2000)],
        description="Say what changed and why. This is kept with the date and your name.",
    )
    submit = SubmitField("Save action", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.choices = [
            SelectChoice("", "Select a theme or KPI"),
            *(SelectChoice(value, label) for value, label in subject_choices()),
        ]

    def validate_subject(self, field) -> None:
        if field.data not in dict(subject_choices()):
            raise ValidationError("Select the theme or KPI this action answers")

    def values(self) -> dict:
        return {
            name: getattr(self, name).data
            for name in ("subject", "you_said", "we_did", "owner", "due_on", "status", "note")
        }


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Add a comment",
        widget=GovTextArea(),
        validators=[
            InputRequired("Enter your comment"),
            Length(max=MAX_COMMENT, message=f"Comment must be {MAX_COMMENT} characters or fewer"),
        ],
        description="Other forum members and officers will see your name with your comment.",
    )
    submit = SubmitField("Add comment", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    """A button only; the CSRF token is what it carries."""
