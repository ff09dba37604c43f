"""Turn a question and its current answer into parameters for GOV.UK Frontend macros.

Kept apart from the views so the page shape (legend as the page heading, the
"or" divider before "Don't know", easy-read symbols) can be tested without a
request.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from surveys.schema import Icon, Question, SurveyDefinition


def icon_html(icon: Icon | None, css: str) -> Markup:
    if icon is None:
        return Markup("")
    src = url_for("static", filename=f"icons/{icon.name}.svg")
    return Markup('<img class="{}" src="{}" alt="{}">').format(css, src, icon.alt)


def _option_label(option, easy_read: bool) -> dict[str, Any]:
    if easy_read and option.icon:
        return {"html": icon_html(option.icon, "app-option-icon") + escape(option.label)}
    return {"text": option.label}


def choice_params(
    question: Question, value: Any, error: str | None, *, easy_read: bool, heading: bool = True
) -> dict[str, Any]:
    """Parameters for ``govukRadios`` or ``govukCheckboxes`` for one question."""
    selected = {value} if isinstance(value, str) else set(value or [])
    items: list[dict[str, Any]] = []
    for option in question.options:
        if option.exclusive and items and "divider" not in items[-1]:
            items.append({"divider": "or"})
        item = {
            "value": option.code,
            "checked": option.code in selected,
            **_option_label(option, easy_read),
        }
        if option.hint:
            item["hint"] = {"text": option.hint}
        if option.exclusive and question.type == "multi_choice":
            item["behaviour"] = "exclusive"
        items.append(item)
    legend = {
        "text": question.text,
        "classes": "govuk-fieldset__legend--l",
        "isPageHeading": heading,
    }
    if not heading:
        legend["classes"] = "govuk-fieldset__legend--m"
    params: dict[str, Any] = {
        "name": "answer" if heading else question.id,
        "idPrefix": "answer" if heading else question.id,
        "fieldset": {"legend": legend},
        "items": items,
    }
    if question.hint:
        params["hint"] = {"text": question.hint}
    if error:
        params["errorMessage"] = {"text": error}
    return params


def text_params(
    name: str,
    label: str,
    hint: str | None,
    value: Any,
    limit: int,
    error: str | None,
    *,
    heading: bool,
) -> dict[str, Any]:
    """Parameters for ``govukCharacterCount``: a bounded box with a live counter."""
    params: dict[str, Any] = {
        "name": name,
        "id": name,
        "maxlength": limit,
        "value": value or "",
        "rows": 6 if heading else 4,
        "label": {
            "text": label,
            "classes": "govuk-label--l" if heading else "govuk-label--m",
            "isPageHeading": heading,
        },
    }
    if hint:
        params["hint"] = {"text": hint}
    if error:
        params["errorMessage"] = {"text": error}
    return params


def summary_rows(
    definition: SurveyDefinition, answers: dict[str, Any], change_url
) -> list[dict[str, Any]]:
    """Rows for the check-your-answers summary list, each with a change link."""
    rows = []
    for q in definition.questions:
        value = answers.get(q.id)
        if q.type == "text":
            shown = value or "Not answered"
        elif isinstance(value, list | tuple):
            shown = ", ".join(q.label_for(v) for v in value) or "Not answered"
        else:
            shown = q.label_for(value) if value else "Not answered"
        html = escape(shown)
        if q.comment_id and answers.get(q.comment_id):
            html += Markup('<p class="govuk-body govuk-!-margin-top-2">{}</p>').format(
                answers[q.comment_id]
            )
        rows.append(
            {
                "key": {"text": q.text},
                "value": {"html": Markup('<span class="app-prewrap">{}</span>').format(html)},
                "actions": {
                    "items": [
                        {"href": change_url(q.id), "text": "Change", "visuallyHiddenText": q.text}
                    ]
                },
            }
        )
    return rows
