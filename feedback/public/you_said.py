""" "You said, we did" for everyone: published actions, headline results, an annual statement.

No login: a local offer can link straight here. Only published actions are
shown, and forum comments and history notes never are.
"""

from __future__ import annotations

from flask import Response, abort, render_template

from feedback import clock
from feedback.extensions import db
from feedback.public import bp
from feedback.queries.actions import actions_for_year, list_actions
from feedback.services.actions import subject_label
from feedback.services.public_results import headline_results
from feedback.services.report_export import MEDIA_TYPES, annual_statement_file

#: The statement covers calendar years from when the platform's first baseline was set.
FIRST_YEAR = 2019


def _year_or_404(year: int) -> int:
    """:raise 404: for a year before the platform's records or in the future."""
    if not FIRST_YEAR <= year <= clock.now().year:
        abort(404)
    return year


@bp.get("/you-said-we-did")
def you_said():
    return render_template(
        "public/you_said.html",
        actions=list_actions(db.session, published_only=True),
        results=headline_results(db.session),
        subject_label=subject_label,
        this_year=clock.now().year,
        title="You said, we did",
    )


@bp.get("/you-said-we-did/<int:year>")
def you_said_statement(year: int):
    year = _year_or_404(year)
    return render_template(
        "public/you_said_statement.html",
        actions=actions_for_year(db.session, year),
        results=headline_results(db.session, year=year),
        subject_label=subject_label,
        year=year,
        title=f"You said, we did: annual statement {year}",
    )


@bp.get("/you-said-we-did/<int:year>.<any(xlsx, csv):fmt>")
def you_said_statement_file(year: int, fmt: str):
    year = _year_or_404(year)
    body = annual_statement_file(
        actions_for_year(db.session, year), year, fmt, headline_results(db.session, year=year)
    )
    return Response(
        body,
        content_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="you-said-we-did-{year}.{fmt}"'},
    )
