"""Forms for the officers' KPI pages: baseline governance, milestones, commentary, other KPIs.

Editing reuses each adding form with its own button; deleting asks on a page of
its own with :class:`ConfirmForm`, which carries only the CSRF token.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from feedback.form_fields import GovDateField

MODES = [
    SelectChoice("points", "Percentage points (38.5% plus 10 is 48.5%)"),
    SelectChoice("relative", "Percent of the baseline (38.5% plus 10% of it is 42.4%)"),
]


class GovernanceForm(FlaskForm):
    """Agreement by the co-production sub-group, or ratification by the board."""

    on = GovDateField("Date of the meeting", validators=[InputRequired("Enter the date")])
    by = StringField(
        "Which group",
        widget=GovTextInput(),
        validators=[InputRequired("Enter which group decided"), Length(max=200)],
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class BaselineForm(FlaskForm):
    source = RadioField(
        "Where does the baseline come from?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("imported", "A published figure, for example from a board report"),
            SelectChoice("wave", "The result of one of our survey waves"),
        ],
        validators=[InputRequired("Select where the baseline comes from")],
    )
    value = DecimalField(
        "Published figure (%)",
        widget=GovTextInput(),
        places=1,
        validators=[Optional(), NumberRange(0, 100, "Enter a percentage between 0 and 100")],
    )
    wave = SelectField("Survey wave", widget=GovSelect(), coerce=str, validate_choice=False)
    baseline_date = GovDateField(
        "Date the baseline was established",
        validators=[InputRequired("Enter the date the baseline was established")],
        description="For a survey, the date it closed. For example, 18 12 2019",
    )
    document = StringField("Source document", widget=GovTextInput(), validators=[Length(max=300)])
    document_date = GovDateField("Date of the source document (optional)")
    note = TextAreaField("Note (optional)", widget=GovTextArea(), validators=[Length(max=4000)])
    reason = TextAreaField(
        "Reason for the new version",
        widget=GovTextArea(),
        validators=[Length(max=4000)],
        description="Needed for every version after the first. It is kept in the history.",
    )
    submit = SubmitField("Save as a draft baseline", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        # Not an inline validate_value: Optional() ends the field's chain on an empty box.
        valid = super().validate(extra_validators)
        if self.source.data == "imported" and self.value.data is None and not self.value.errors:
            self.value.errors.append("Enter the published figure")
            return False
        return valid

    def validate_wave(self, field):
        offered = {c.value for c in field.choices or () if c.value}
        if self.source.data == "wave" and field.data not in offered:
            raise ValidationError("Select the survey wave")


class EditBaselineForm(BaselineForm):
    """Correcting a draft or agreed version; the reason is the version's own."""

    reason = TextAreaField(
        "Reason for this version",
        widget=GovTextArea(),
        validators=[Length(max=4000)],
        description="Needed for every version after the first. It is kept in the history.",
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class WithdrawBaselineForm(FlaskForm):
    reason = TextAreaField(
        "Why are you withdrawing this version?",
        widget=GovTextArea(),
        validators=[
            InputRequired("Enter the reason for withdrawing the baseline"),
            Length(max=4000),
        ],
        description="It is shown beside the version in the history.",
    )
    submit = SubmitField("Withdraw this version", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A confirmation page's button: nothing to fill in but the CSRF token."""


class MilestonesForm(FlaskForm):
    months_1 = IntegerField(
        "First milestone: months after the baseline",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the months for the first milestone"), NumberRange(1)],
    )
    plus_1 = DecimalField(
        "First milestone: baseline plus",
        widget=GovTextInput(),
        validators=[InputRequired("Enter how much the first milestone adds")],
    )
    mode_1 = RadioField(
        "First milestone: what does plus mean?",
        widget=GovRadioInput(),
        choices=MODES,
        validators=[InputRequired("Select what plus means")],
    )
    months_2 = IntegerField(
        "Second milestone: months after the baseline (optional)",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1)],
    )
    plus_2 = DecimalField(
        "Second milestone: baseline plus", widget=GovTextInput(), validators=[Optional()]
    )
    mode_2 = RadioField(
        "Second milestone: what does plus mean?",
        widget=GovRadioInput(),
        choices=MODES,
        validators=[Optional()],
    )
    submit = SubmitField("Save milestones", widget=GovSubmitInput())


class CommentaryForm(FlaskForm):
    period_label = StringField(
        "Reporting period",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the reporting period"), Length(max=40)],
        description="As the report names it, for example Dec-20",
    )
    period_end = GovDateField(
        "Last day of the period", validators=[InputRequired("Enter the last day of the period")]
    )
    body = TextAreaField(
        "Commentary",
        widget=GovTextArea(),
        validators=[InputRequired("Enter the commentary"), Length(max=4000)],
    )
    submit = SubmitField("Add commentary", widget=GovSubmitInput())


class EditCommentaryForm(CommentaryForm):
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class OtherValueForm(FlaskForm):
    code = StringField(
        "KPI code",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the KPI code, like 1/2"), Length(max=16)],
    )
    action_group = StringField(
        "Action group",
        widget=GovTextInput(),
        validators=[Length(max=300)],
        description="The table heading, for example Actions 1.2: ...",
    )
    measure = TextAreaField(
        "Measure", widget=GovTextArea(), validators=[InputRequired("Enter the measure")]
    )
    frequency = StringField("Frequency", widget=GovTextInput(), validators=[Length(max=40)])
    kind = RadioField(
        "Which column",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("baseline", "Baseline"),
            SelectChoice("performance", "Performance"),
            SelectChoice("target", "Target"),
        ],
        validators=[InputRequired("Select which column the value belongs to")],
    )
    unit = RadioField(
        "Unit",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("percent", "Percent"),
            SelectChoice("weeks", "Weeks"),
            SelectChoice("count", "Count"),
        ],
        validators=[InputRequired("Select the unit")],
    )
    period_label = StringField(
        "Period", widget=GovTextInput(), validators=[Length(max=40)], description="Like Dec-19"
    )
    period_date = GovDateField("Date", validators=[InputRequired("Enter the date")])
    value = DecimalField(
        "Value (optional)", widget=GovTextInput(), places=None, validators=[Optional()]
    )
    text = StringField(
        "What the source says instead (optional)",
        widget=GovTextInput(),
        validators=[Length(max=300)],
        description="For example TBC or unable to report",
    )
    source_note = TextAreaField("Source", widget=GovTextArea(), validators=[Length(max=4000)])
    submit = SubmitField("Add value", widget=GovSubmitInput())


class EditOtherValueForm(OtherValueForm):
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ExportForm(FlaskForm):
    fmt = RadioField(
        "Format",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("xlsx", "Spreadsheet (XLSX), laid out like Appendix A"),
            SelectChoice("csv", "CSV"),
            SelectChoice("json", "JSON"),
        ],
        default="xlsx",
        validators=[InputRequired("Select a format")],
    )
    submit = SubmitField("Download the KPI baseline report", widget=GovSubmitInput())
