"""Form fields shared by the staff pages.

GOV.UK asks for dates as three boxes (day, month, year); WTForms' own DateField
expects one string. This field joins the boxes, treats boxes holding only
spaces as empty (so ``InputRequired`` sees no input), and words the error the
GOV.UK way.
"""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField


class GovDateField(DateField):
    """A day, month and year in three boxes, read as one date; blank gives ``None``."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=GovDateInput(), **kwargs)

    def process_formdata(self, valuelist):
        # Always three boxes, so the widget can show back what was typed.
        self.raw_data = [v.strip() for v in [*valuelist, "", "", ""][:3]]
        if not any(self.raw_data):
            self.data = None
            return
        try:
            day, month, year = (int(p) for p in self.raw_data)
            self.data = date(year, month, day)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date") from None
