"""The form for reactivating a staff account: the new password the administrator sets.

Creating an account uses ``UserForm`` in :mod:`feedback.manage.forms_surveys`.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import InputRequired, Length

from feedback.models.users import MIN_PASSWORD_LENGTH


class ReactivateForm(FlaskForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Their old password will "
        "not work. Give the new one to the person privately, not in the same email as "
        "their sign-in address.",
        validators=[
            InputRequired("Enter a new password"),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Password must be between {MIN_PASSWORD_LENGTH} and 200 characters",
            ),
        ],
    )
    submit = SubmitField("Reactivate account", widget=GovSubmitInput())
