"""Forms for the officers' data pages: keyed returns, import, erasure and retention.

The survey questions on the data-entry page are not WTForms fields: they are
drawn from the definition with GOV.UK macros and checked by
:mod:`surveys.validation`, like the online journey. These forms hold the rest.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from feedback import clock
from feedback.form_fields import GovDateField
from feedback.models import Channel, Wave
from feedback.models.surveys import LateRule
from feedback.services.returns import is_late_return, received_too_early

KEYED_CHANNELS = [
    SelectChoice(Channel.PAPER.value, "Paper form"),
    SelectChoice(Channel.PHONE.value, "Phone call"),
    SelectChoice(Channel.EVENT.value, "At an event"),
]
IMPORT_CHANNELS = [
    *KEYED_CHANNELS,
    SelectChoice(Channel.ONLINE.value, "Online, in another survey tool"),
]


class ReturnForm(FlaskForm):
    """How and when a return arrived, and the officer's decision if it is late."""

    channel = RadioField(
        "How did the return arrive?",
        choices=KEYED_CHANNELS,
        default=Channel.PAPER.value,
        widget=GovRadioInput(),
        validators=[InputRequired("Select how the return arrived")],
    )
    received = GovDateField(
        "Date received",
        description="For example, 27 3 2026",
        validators=[InputRequired("Enter the date the return was received")],
    )
    late = RadioField(
        "This return arrived after the wave closed. Should it count in the results?",
        choices=[
            SelectChoice("include", "Yes, include it"),
            SelectChoice("exclude", "No, leave it out"),
        ],
        widget=GovRadioInput(),
        validate_choice=False,
    )
    submit = SubmitField("Save and enter another", widget=GovSubmitInput())

    def __init__(self, wave: Wave, *args, **kwargs):
        super().__init__(*args, prefix="return", **kwargs)
        self.wave = wave

    @property
    def officer_decides(self) -> bool:
        return self.wave.late_rule is LateRule.OFFICER_DECIDES and self.wave.closes_at is not None

    def validate_received(self, field):
        if field.data and field.data > clock.now().date():
            raise ValidationError("Date received must be today or in the past")
        if too_early := received_too_early(self.wave, field.data):
            raise ValidationError(too_early)

    def validate_late(self, field):
        if field.data not in (None, "", "None", "include", "exclude"):
            raise ValidationError("Select whether to include this late return")
        late = is_late_return(self.wave, self.received.data)
        if self.officer_decides and late and field.data not in ("include", "exclude"):
            raise ValidationError("Select whether to include this late return")

    def include_late(self) -> bool | None:
        return {"include": True, "exclude": False}.get(self.late.data or "")

    def carry_over(self) -> dict[str, str]:
        """What the next return probably shares with this one: channel and date."""
        received: date = self.received.data
        return {"channel": self.channel.data, "received": received.isoformat()}


class ImportForm(FlaskForm):
    file = FileField(
        "Upload a CSV file",
        widget=GovFileInput(),
        description="UTF-8 CSV in the format of the responses export.",
    )
    channel = RadioField(
        "How did these responses arrive?",
        description="Used for rows whose channel column is empty.",
        choices=IMPORT_CHANNELS,
        default=Channel.PAPER.value,
        widget=GovRadioInput(),
        validators=[InputRequired("Select how these responses arrived")],
    )
    dry_run = BooleanField(
        "Only check the file, do not import it",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Check and import", widget=GovSubmitInput())

    def validate_file(self, field):
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationError("Select a CSV file")
        if not upload.filename.lower().endswith(".csv"):
            raise ValidationError("The selected file must be a CSV")


class EraseLookupForm(FlaskForm):
    reference = StringField(
        "Response reference",
        description="The reference the respondent was given, for example K7PM-Q9XD.",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the response reference"), Length(max=32)],
    )
    submit = SubmitField("Find the response", widget=GovSubmitInput())


class EraseConfirmForm(FlaskForm):
    submit = SubmitField("Erase this response", widget=GovSubmitInput())


class RetentionForm(FlaskForm):
    months = IntegerField(
        "Delete free-text answers this many months after a wave closes",
        description="Between 1 and 120. KPI answers and counts are kept.",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter a number of months"),
            NumberRange(1, 120, "Enter a number of months between 1 and 120"),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
