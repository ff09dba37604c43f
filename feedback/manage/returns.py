"""Officers key paper, phone and event returns, all questions on one page, and list them."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from feedback import clock
from feedback.extensions import db
from feedback.manage import bp
from feedback.manage.forms_data import ReturnForm
from feedback.models import Channel, Response, Wave
from feedback.models.surveys import LateRule
from feedback.models.types import DomainError
from feedback.permissions import permission_required
from feedback.queries.data import keyed_returns, wave_by_id
from feedback.respond.presenters import choice_params, text_params
from feedback.services.returns import (
    check_takes_returns,
    enter_return,
    set_late_decision,
    takes_returns,
    validate_answers,
)
from surveys.schema import SurveyDefinition


def _wave(wave_id: int) -> Wave:
    return wave_by_id(db.session, wave_id) or abort(404)


@bp.route("/waves/<int:wave_id>/returns/new", methods=["GET", "POST"])
@permission_required("responses.enter")
def new_return(wave_id: int):
    """The entry page, or the wave's returns with an error if it has not opened yet."""
    wave = _wave(wave_id)
    try:
        check_takes_returns(wave)
    except DomainError as exc:
        return _returns_page(wave, [{"text": str(exc), "href": "#not-open"}]), 400
    form = ReturnForm(wave, data=_carried(request.args))
    raw = question_values(request.form, wave.definition) if request.method == "POST" else {}
    problems: dict[str, str] = {}
    if request.method == "POST":
        answers, problems = validate_answers(wave.definition, raw)
        if form.validate_on_submit() and not problems:
            response = enter_return(
                db.session,
                wave,
                answers,
                channel=Channel(form.channel.data),
                received_on=form.received.data,
                include_late=form.include_late(),
                user=current_user,
            )
            flash(_saved_message(response), "success")
            return redirect(url_for(".new_return", wave_id=wave.id, **form.carry_over()))
    return _render_entry(wave, form, raw, problems)


@bp.get("/waves/<int:wave_id>/returns")
@permission_required("responses.enter")
def returns(wave_id: int):
    return _returns_page(_wave(wave_id))


def _returns_page(wave: Wave, errors: list[dict[str, str]] | None = None) -> str:
    return render_template(
        "manage/returns_list.html",
        wave=wave,
        returns=keyed_returns(db.session, wave.id),
        takes_returns=takes_returns(wave),
        errors=errors or [],
        title=f"Keyed returns: {wave.name}",
    )


@bp.post("/waves/<int:wave_id>/returns/<int:response_id>/decision")
@permission_required("responses.enter")
def late_decision(wave_id: int, response_id: int):
    response = db.session.get(Response, response_id)
    if response is None or response.wave_id != wave_id:
        abort(404)
    # The blueprint-wide CSRFProtect has already checked the token.
    if request.form.get("decision") not in ("include", "exclude"):
        abort(400)
    include = request.form["decision"] == "include"
    try:
        set_late_decision(db.session, response, include, user=current_user)
    except DomainError:
        abort(400)
    verb = "included in" if include else "left out of"
    flash(f"Return {response.reference} is now {verb} the results.", "success")
    return redirect(url_for(".returns", wave_id=wave_id))


def _saved_message(response: Response) -> str:
    late = ""
    if response.is_late:
        late = " It was late and is " + ("included." if response.included else "left out.")
    return f"Return {response.reference} saved.{late} Enter the next return."


def _carried(args: MultiDict) -> dict[str, Any]:
    """Defaults for the next return: the channel and date of the one just saved."""
    data: dict[str, Any] = {"received": clock.now().date()}
    if args.get("channel") in {c.value for c in Channel if c is not Channel.ONLINE}:
        data["channel"] = args["channel"]
    with contextlib.suppress(ValueError):
        data["received"] = date.fromisoformat(args.get("received", ""))
    return data


def question_values(form: MultiDict, definition: SurveyDefinition) -> dict[str, Any]:
    """Raw answers from the posted page, keyed by answer id, as validation expects them."""
    raw: dict[str, Any] = {}
    for q in definition.questions:
        raw[q.id] = form.getlist(q.id) if q.type == "multi_choice" else form.get(q.id)
        if q.comment_id:
            raw[q.comment_id] = form.get(q.comment_id)
    return raw


def entry_fields(
    definition: SurveyDefinition, raw: dict[str, Any], problems: dict[str, str]
) -> list[dict[str, Any]]:
    """Each section with GOV.UK macro parameters for its questions, numbered as on paper."""
    sections = []
    for number, q in enumerate(definition.questions, start=1):
        if not sections or sections[-1]["id"] != q.section:
            section = definition.section(q.section)
            sections.append({"id": section.id, "title": section.title, "questions": []})
        item = {"q": q, "comment": None}
        if q.type == "text":
            item["params"] = text_params(
                q.id,
                f"{number}. {q.text}",
                q.hint,
                raw.get(q.id),
                q.max_length,
                problems.get(q.id),
                heading=False,
            )
            item["params"]["label"]["classes"] = "govuk-label--s"
        else:
            item["params"] = choice_params(
                q, raw.get(q.id), problems.get(q.id), easy_read=False, heading=False
            )
            legend = item["params"]["fieldset"]["legend"]
            legend.update(text=f"{number}. {q.text}", classes="govuk-fieldset__legend--s")
            item["params"]["classes"] = "govuk-radios--small govuk-checkboxes--small"
        if q.comment and q.comment_id:
            item["comment"] = text_params(
                q.comment_id,
                "",
                q.comment.hint,
                raw.get(q.comment_id),
                q.comment.max_length,
                problems.get(q.comment_id),
                heading=False,
            )
            item["comment"]["label"] = {
                "html": escape(q.comment.label)
                + Markup(' <span class="govuk-visually-hidden">about question {}</span>').format(
                    number
                ),
                "classes": "govuk-label--s",
            }
            item["comment"]["rows"] = 2
        sections[-1]["questions"].append(item)
    return sections


def _error_list(form: ReturnForm, definition: SurveyDefinition, problems: dict[str, str]):
    errors = []
    hrefs = {
        "channel": "#return-channel",
        "received": "#return-received-day",
        "late": "#return-late",
    }
    for name, href in hrefs.items():
        if getattr(form, name).errors:
            errors.append({"text": getattr(form, name).errors[0], "href": href})
    for answer_id in definition.answer_ids():
        if answer_id in problems:
            errors.append({"text": problems[answer_id], "href": f"#{answer_id}"})
    return errors


def _numbered(definition: SurveyDefinition, problems: dict[str, str]) -> dict[str, str]:
    """Say which question each message is about: ten "Select an answer"s help nobody."""
    numbered = {}
    for number, q in enumerate(definition.questions, start=1):
        if q.id in problems:
            numbered[q.id] = f"Question {number}: {problems[q.id]}"
        if q.comment_id and q.comment_id in problems:
            numbered[q.comment_id] = f"Question {number}, tell us more: {problems[q.comment_id]}"
    return numbered


def _render_entry(wave: Wave, form: ReturnForm, raw: dict[str, Any], problems: dict[str, str]):
    definition = wave.definition
    problems = _numbered(definition, problems)
    errors = _error_list(form, definition, problems)
    now = clock.now()
    return render_template(
        "manage/returns_new.html",
        wave=wave,
        entry_form=form,
        sections=entry_fields(definition, raw, problems),
        errors=errors,
        closed=wave.closes_at is not None and wave.closes_at <= now,
        officer_decides=wave.late_rule is LateRule.OFFICER_DECIDES,
        late_rule=wave.late_rule,
        title=f"Enter a return: {wave.name}",
    ), (400 if errors else 200)
