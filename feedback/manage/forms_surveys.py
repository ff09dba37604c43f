"""Forms for the staff workspace: survey wording, forum review, waves and staff accounts.

Each field has a GOV.UK widget and a GOV.UK-worded message. Rules that need
the database (a link code already taken, a version not approved) are checked
by the services, which name the field at fault.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from feedback.models import WaveKind
from feedback.models.reviews import SignOffDecision
from feedback.models.surveys import LateRule
from feedback.models.users import MIN_PASSWORD_LENGTH
from feedback.permissions import Role
from feedback.services.lifecycle import MAX_COMMENT_LENGTH

MAX_DEFINITION_LENGTH = 200_000


class DefinitionForm(FlaskForm):
    definition = TextAreaField(
        "Survey definition",
        widget=GovTextArea(),
        description="YAML or JSON in the survey schema (surveys/SCHEMA.md). "
        "The slug and version number cannot change.",
        validators=[
            InputRequired("Enter the survey definition"),
            Length(max=MAX_DEFINITION_LENGTH, message="The definition is too long"),
        ],
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ReviewCommentForm(FlaskForm):
    """One question's comment box; the page draws one per question with its own id."""

    question_id = HiddenField(validators=[InputRequired()])
    body = TextAreaField(
        "Comment",
        validators=[
            InputRequired("Enter a comment"),
            Length(
                max=MAX_COMMENT_LENGTH,
                message=f"Comment must be {MAX_COMMENT_LENGTH} characters or fewer",
            ),
        ],
    )


class SignOffForm(FlaskForm):
    decision = RadioField(
        "Can this version go out to families?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice(SignOffDecision.APPROVE.value, "Yes, the forum signs it off"),
            SelectChoice(SignOffDecision.CHANGES_NEEDED.value, "No, changes are needed"),
        ],
        validators=[InputRequired("Select whether the forum signs off this version")],
    )
    note = TextAreaField(
        "Note",
        widget=GovTextArea(),
        description="Say what needs to change. Optional when you sign it off.",
        validators=[
            Length(
                max=MAX_COMMENT_LENGTH,
                message=f"Note must be {MAX_COMMENT_LENGTH} characters or fewer",
            ),
        ],
    )
    submit = SubmitField("Record sign-off", widget=GovSubmitInput())

    def validate_note(self, field) -> None:
        wants_changes = self.decision.data == SignOffDecision.CHANGES_NEEDED.value
        if wants_changes and not (field.data or "").strip():
            raise StopValidation("Enter what needs to change")


_KINDS = [
    SelectChoice(WaveKind.ANNUAL.value, "Annual survey"),
    SelectChoice(WaveKind.PULSE.value, "Pulse survey (short, between annual surveys)"),
    SelectChoice(WaveKind.OTHER.value, "Other"),
]
_LATE_RULES = [
    SelectChoice(LateRule.INCLUDE.value, "Count late returns"),
    SelectChoice(LateRule.EXCLUDE.value, "Do not count late returns"),
    SelectChoice(LateRule.OFFICER_DECIDES.value, "An officer decides for each late return"),
]


class WaveForm(FlaskForm):
    version = SelectField(
        "Survey version",
        widget=GovSelect(),
        coerce=int,
        description="Only approved versions can be sent out.",
        validators=[InputRequired("Select a survey version")],
    )
    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="For example, Parent carer survey 2027",
        validators=[
            InputRequired("Enter a name for the wave"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    code = StringField(
        "Link code",
        widget=GovTextInput(),
        description="The end of the public web address, for example parent-carer-2027. "
        "Lower-case letters, numbers and hyphens.",
        validators=[
            InputRequired("Enter a link code"),
            Length(max=80, message="Link code must be 80 characters or fewer"),
        ],
        filters=[lambda v: (v or "").strip().lower()],
    )
    kind = RadioField(
        "Kind of wave",
        widget=GovRadioInput(),
        choices=_KINDS,
        validators=[InputRequired("Select the kind of wave")],
    )
    opens_on = DateField(
        "Opens on",
        widget=GovDateInput(),
        format="%d %m %Y",
        description="For example, 3 2 2027. The link works from the start of this day (UTC).",
        validators=[InputRequired("Enter the date the survey opens")],
    )
    closes_on = DateField(
        "Closes at the end of",
        widget=GovDateInput(),
        format="%d %m %Y",
        description="Returns after this day are late.",
        validators=[InputRequired("Enter the date the survey closes")],
    )
    population_note = TextAreaField(
        "Who the wave is for",
        widget=GovTextArea(),
        description='For example, "all parents and carers" or "families with an EHCP". '
        "Results pages show it beside the figures.",
        validators=[Optional(), Length(max=1000, message="Note must be 1000 characters or fewer")],
    )
    late_rule = RadioField(
        "Returns received after the close",
        widget=GovRadioInput(),
        choices=_LATE_RULES,
        validators=[InputRequired("Select what happens to late returns")],
    )
    submit = SubmitField("Save wave", widget=GovSubmitInput())

    @property
    def opens_at(self) -> datetime:
        return datetime.combine(self.opens_on.data, time.min)

    @property
    def closes_at(self) -> datetime:
        return datetime.combine(self.closes_on.data + timedelta(days=1), time.min)

    @staticmethod
    def close_day(closes_at: datetime | None) -> date | None:
        """The last day a wave takes returns, as the form shows it."""
        return (closes_at - timedelta(microseconds=1)).date() if closes_at else None


_ROLES = [
    (Role.OFFICER.value, "Officer: runs surveys and waves, enters and exports responses"),
    (Role.FORUM.value, "Parent carer forum: reviews wording, sees results and themes"),
    (Role.BOARD.value, "Board member: reads results"),
    (Role.ADMIN.value, "Administrator: everything, plus staff accounts and the audit log"),
]


class UserForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter an email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the person's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
        ],
    )
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=[SelectChoice(role, label) for role, label in _ROLES],
        validators=[InputRequired("Select a role")],
    )
    password = PasswordField(
        "Initial password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Give it to the person "
        "privately, not in the same email as their sign-in address.",
        validators=[
            InputRequired("Enter an initial password"),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Password must be between {MIN_PASSWORD_LENGTH} and 200 characters",
            ),
        ],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())
