"""Forms for the themes pages, the coding form and codebook editing (GOV.UK widgets)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from feedback.models.comments import SENTIMENTS

CUE_HINT = (
    "One cue a line, lower case. A word matches the whole word; end with * for any ending "
    "(taxi* matches taxis); (a|b) gives choices; .. allows up to three words between."
)


class FilterForm(FlaskForm):
    """The themes page filters: sent with GET, so no CSRF token."""

    class Meta:
        csrf = False

    wave = SelectField("Wave", widget=GovSelect(), validators=[Optional()])
    kpi = SelectField("Question", widget=GovSelect(), validators=[Optional()])
    respondent_type = SelectField("Who answered", widget=GovSelect(), validators=[Optional()])
    ehcp_status = SelectField("EHCP status", widget=GovSelect(), validators=[Optional()])
    age_band = SelectField("Age band", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Apply filters", widget=GovSubmitInput())


class CodingForm(FlaskForm):
    themes = SelectMultipleField(
        "Themes",
        widget=GovCheckboxesInput(),
        description="Select every theme the comment is about, or none.",
        validators=[Optional()],
    )
    sentiment = RadioField(
        "How does the comment feel?",
        widget=GovRadioInput(),
        choices=[SelectChoice(s, s.capitalize()) for s in SENTIMENTS],
        validators=[InputRequired("Select how the comment feels")],
    )
    submit = SubmitField("Save coding", widget=GovSubmitInput())


class ThemeForm(FlaskForm):
    label = StringField(
        "Theme name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a theme name"), Length(max=120)],
    )
    description = TextAreaField(
        "What the theme covers",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=1000)],
    )
    cues = TextAreaField(
        "Cues",
        widget=GovTextArea(),
        description=CUE_HINT,
        validators=[InputRequired("Enter at least one cue"), Length(max=8000)],
    )
    weak_cues = TextAreaField(
        "Passing-mention cues (optional)",
        widget=GovTextArea(),
        description="Cues that only count when something else in the comment agrees.",
        validators=[Optional(), Length(max=8000)],
    )
    note = StringField(
        "Why are you making this change? (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField("Save theme", widget=GovSubmitInput())


class RetireForm(FlaskForm):
    note = StringField(
        "Why are you retiring this theme? (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField("Retire theme", widget=GovSubmitInput())


class MergeForm(FlaskForm):
    target = SelectField(
        "Merge into",
        widget=GovSelect(),
        validators=[InputRequired("Select the theme to merge into")],
    )
    note = StringField(
        "Why are you merging? (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=500)],
    )
    submit = SubmitField("Merge themes", widget=GovSubmitInput())


class RecodeForm(FlaskForm):
    submit = SubmitField("Recode comments with this codebook", widget=GovSubmitInput())


class RawViewForm(FlaskForm):
    reason = TextAreaField(
        "Why do you need to read the original comment?",
        widget=GovTextArea(),
        description="This is recorded in the audit log with your name.",
        validators=[
            InputRequired("Enter why you need to read the original comment"),
            Length(max=500),
        ],
    )
    submit = SubmitField("Show the original comment", widget=GovSubmitInput())
