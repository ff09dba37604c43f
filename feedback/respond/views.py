"""Respondent routes. Each view loads, validates, calls a service and redirects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from feedback.comment_queue import comment_queue
from feedback.db import writes_one_statement
from feedback.extensions import db
from feedback.queries.waves import WaveSnapshots
from feedback.respond import bp
from feedback.respond.csrf_tokens import page_token
from feedback.respond.forms import (
    QuestionForm,
    ResumeForm,
    StartForm,
    SubmitForm,
    question_form_accepted,
)
from feedback.respond.page_memo import page_memo
from feedback.respond.presenters import choice_params, summary_rows, text_params
from feedback.security import csp_nonce
from feedback.services.responses import (
    IncompleteResponse,
    find_draft,
    find_draft_state,
    merge_answers,
    start_draft,
    submit_draft,
)
from surveys.validation import AnswerError, missing_answers, validate_answer, validate_comment

SESSION_EXPIRED = "Your session timed out, so this answer was not saved yet. Check it and continue."


def _wave(code: str):
    wave = _snapshots().get(db.session, code)
    if wave is None:
        abort(404)
    return wave


def _snapshots() -> WaveSnapshots:
    """This app's recently read waves (each app keeps its own: tests build many)."""
    snapshots = current_app.extensions.get("wave_snapshots")
    if snapshots is None:
        snapshots = current_app.extensions.setdefault(
            "wave_snapshots", WaveSnapshots(current_app.config["WAVE_REFRESH_SECONDS"])
        )
    return snapshots


def _unavailable(wave):
    state = "not_open" if wave.not_yet_open() else "closed"
    return render_template(
        "respond/unavailable.html",
        wave=wave,
        d=wave.definition,
        state=state,
        title=wave.definition.title,
    )


def _remember(code: str, token: str | None) -> None:
    """Keep (or forget) the draft for this wave in the session.

    The session is only changed when the draft does, so the cookie is not signed
    and sent again on every answer.
    """
    drafts = session.get("drafts", {})
    if drafts.get(code) == token and session.permanent:
        return
    session.permanent = True
    drafts = dict(drafts)
    if token:
        drafts[code] = token
    else:
        drafts.pop(code, None)
    session["drafts"] = drafts


def _draft_for(wave, token: str | None = None, *, find=find_draft_state):
    """The respondent's draft: from the page's hidden field, else from the session.

    Read as a :class:`DraftState` row; sending it from the check page passes
    ``find=find_draft`` for the ORM object.
    """
    for candidate in (token, session.get("drafts", {}).get(wave.code)):
        draft = find(db.session, token=candidate) if candidate else None
        if draft is not None and draft.wave_id == wave.id:
            return draft
    return None


def _days() -> int:
    return current_app.config["DRAFT_DAYS"]


@bp.get("/surveys/<code>/")
def start(code: str):
    wave = _wave(code)
    if not wave.accepting():
        return _unavailable(wave)
    definition = wave.definition
    resumable = _draft_for(wave) is not None

    def draw() -> str:
        return render_template(
            "respond/start.html",
            wave=wave,
            d=definition,
            form=StartForm(),
            title=definition.title,
            resumable=resumable,
        )

    if session.get("_flashes"):
        return draw()
    secrets = {"csrf": page_token(), "nonce": csp_nonce()}
    return page_memo().render(_memo_key(wave, "start", resumable), draw, secrets)


@bp.post("/surveys/<code>/start")
@writes_one_statement  # INSERT the draft
def begin(code: str):
    wave = _wave(code)
    if not wave.accepting():
        return _unavailable(wave)
    if not StartForm().validate_on_submit():
        flash("Your session timed out. Select Start now again.", "info")
        return redirect(url_for(".start", code=code))
    draft = _draft_for(wave)
    if draft is None or draft.response_id is not None:
        draft = start_draft(db.session, wave, days=_days())
    _remember(code, draft.token)
    return redirect(
        url_for(".question", code=code, qid=_next_question(wave.definition, draft.answers))
    )


def _next_question(definition, answers: dict[str, Any]) -> str | None:
    """The first page with no answer yet."""
    for q in definition.questions:
        if q.id not in answers:
            return q.id
    return None


def _question_after(definition, qid: str) -> str | None:
    """The page after ``qid`` in order; ``None`` after the last."""
    questions = definition.questions
    i = definition.index_of(qid)
    return questions[i + 1].id if i + 1 < len(questions) else None


def _render_question(
    wave,
    draft,
    question,
    value,
    comment,
    error=None,
    *,
    comment_error=None,
    notice=None,
    status=200,
):
    definition = wave.definition
    i = definition.index_of(question.id)
    back = (
        url_for(".question", code=wave.code, qid=definition.questions[i - 1].id)
        if i
        else url_for(".start", code=wave.code)
    )
    section = definition.section(question.section)
    first_in_section = i == 0 or definition.questions[i - 1].section != question.section
    errors = []
    if error:
        errors.append({"text": error, "href": "#answer"})
    if comment_error:
        errors.append({"text": comment_error, "href": "#comment"})
    if notice:
        errors.insert(0, {"text": notice, "href": "#answer"})
    change = request.args.get("change") == "1"

    def draw() -> str:
        form = QuestionForm(formdata=None, data={"draft": draft.token})
        if question.type == "text":
            field = text_params(
                "answer",
                question.text,
                question.hint,
                value,
                question.max_length,
                error,
                heading=True,
            )
        else:
            field = choice_params(question, value, error, easy_read=definition.easy_read)
        comment_field = None
        if question.comment:
            comment_field = text_params(
                "comment",
                question.comment.label,
                question.comment.hint,
                comment,
                question.comment.max_length,
                comment_error,
                heading=False,
            )
        return render_template(
            "respond/question.html",
            wave=wave,
            d=definition,
            q=question,
            section=section,
            show_section_intro=first_in_section,
            field=field,
            comment_field=comment_field,
            form_token=form,
            errors=errors,
            back=back,
            progress=(i + 1, len(definition.questions)),
            title=question.text,
            change=change,
        )

    typed = (question.type == "text" and value) or comment
    if errors or typed or session.get("_flashes"):
        return draw(), status
    key = _memo_key(wave, "question", question.id, _frozen(value), change)
    # The token the form would draw (one per request), without building a form.
    secrets = {"csrf": page_token(), "draft": draft.token, "nonce": csp_nonce()}
    return page_memo().render(key, draw, secrets), status


def _memo_key(wave, *page: Any) -> tuple:
    """Everything a kept page is drawn from, bar the secrets: the wave, then ``page``'s own.

    Links depend on where the app is mounted, and settings can differ between apps.
    """
    return (
        wave.id,
        wave.code,
        wave.name,
        wave.wording,
        *page,
        request.script_root,
        current_app.config["SERVICE_NAME"],
        current_app.config["LOCAL_AREA"],
    )


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _checked(validate) -> tuple[Any, str | None]:
    """``(value, None)``, or ``(None, message)`` when the answer cannot be accepted."""
    try:
        return validate(), None
    except AnswerError as exc:
        return None, exc.message


@dataclass(frozen=True)
class _Posted:
    """An answer page's POST, checked without the draft."""

    accepted: bool  # its CSRF token
    saving: bool  # "Save and come back later"
    shown: Any  # what they chose, to show again
    raw_comment: str | None
    values: dict[str, Any]  # what to store, once accepted with no error
    error: str | None
    comment_error: str | None

    @property
    def ready(self) -> bool:
        return self.accepted and not (self.error or self.comment_error)


def _posted(q) -> _Posted:
    raw = request.form.getlist("answer")
    raw_comment = request.form.get("comment")
    saving = "save" in request.form
    # Both boxes are checked, so every problem on the page is listed at once, each
    # shown on (and linked to) its own field.
    value, error = _checked(lambda: None if (saving and not raw) else validate_answer(q, raw))
    comment, comment_error = _checked(lambda: validate_comment(q, raw_comment))
    values = {q.id: value}
    if q.comment_id:
        values[q.comment_id] = comment
    return _Posted(
        accepted=question_form_accepted(),
        saving=saving,
        shown=raw if q.type == "multi_choice" else (raw[0] if raw else None),
        raw_comment=raw_comment,
        values=values,
        error=error,
        comment_error=comment_error,
    )


@bp.route("/surveys/<code>/questions/<qid>", methods=["GET", "POST"])
@writes_one_statement  # UPDATE the draft
def question(code: str, qid: str):
    wave = _wave(code)
    if not wave.accepting():
        return _unavailable(wave)
    definition = wave.definition
    q = definition.question(qid) or abort(404)
    posted = _posted(q) if request.method == "POST" else None
    token = request.form.get("draft")
    # The usual answer: saved by the page's draft token without reading the draft first.
    # Anything else (no such draft, an error to show) reads the draft below.
    ready = posted is not None and posted.ready and token
    if ready and merge_answers(db.session, wave.id, token, posted.values, days=_days()):
        return _saved(code, definition, q, token, posted.saving)
    draft = _draft_for(wave, token)
    if draft is None:
        flash("We could not find your answers. Start again, or use your resume code.", "info")
        return redirect(url_for(".start", code=code))
    if draft.response_id is not None:
        return redirect(url_for(".done", code=code))
    if posted is None:
        answers = draft.answers or {}
        return _render_question(wave, draft, q, answers.get(q.id), answers.get(q.comment_id or ""))
    if not posted.accepted:
        # CSRF token or session expired: keep what they chose and let them send it again.
        _remember(code, draft.token)
        return _render_question(
            wave, draft, q, posted.shown, posted.raw_comment, notice=SESSION_EXPIRED, status=400
        )
    if posted.error or posted.comment_error:
        return _render_question(
            wave,
            draft,
            q,
            posted.shown,
            posted.raw_comment,
            posted.error,
            comment_error=posted.comment_error,
            status=400,
        )
    if not merge_answers(db.session, wave.id, draft.token, posted.values, days=_days()):
        # Sent or expired since it was read: the page says which.
        return redirect(url_for(".question", code=code, qid=q.id))
    return _saved(code, definition, q, draft.token, posted.saving)


def _saved(code: str, definition, q, token: str, saving: bool):
    """Where a family goes once a page's answers are stored."""
    _remember(code, token)
    if saving:
        return redirect(url_for(".saved", code=code))
    nxt = None if request.args.get("change") == "1" else _question_after(definition, q.id)
    if nxt is None:
        return redirect(url_for(".check", code=code))
    return redirect(url_for(".question", code=code, qid=nxt))


@bp.route("/surveys/<code>/check", methods=["GET", "POST"])
def check(code: str):
    wave = _wave(code)
    if not wave.accepting():
        return _unavailable(wave)
    # Only sending needs the ORM's draft; the page itself reads the row.
    sending = request.method == "POST"
    find = find_draft if sending else find_draft_state
    draft = _draft_for(wave, request.form.get("draft"), find=find)
    if draft is None:
        flash("We could not find your answers. Start again, or use your resume code.", "info")
        return redirect(url_for(".start", code=code))
    errors = []
    if sending:
        if SubmitForm().validate_on_submit():
            try:
                queue = comment_queue()
                response = submit_draft(db.session, draft, wave, code_comments=queue is None)
                if queue is not None:
                    queue.put(response.id)
            except IncompleteResponse as exc:
                flash("Answer this question before you send your answers.", "info")
                return redirect(url_for(".question", code=code, qid=exc.missing[0]))
            _remember(code, None)
            session["submitted"] = {**session.get("submitted", {}), code: response.reference}
            return redirect(url_for(".done", code=code))
        errors = [
            {
                "text": "Your session timed out. Your answers are saved. "
                "Select Send my answers again.",
                "href": "#submit",
            }
        ]
    if draft.response_id is not None:
        return redirect(url_for(".done", code=code))
    definition = wave.definition
    missing = missing_answers(definition, draft.answers or {})
    rows = summary_rows(
        definition,
        draft.answers or {},
        lambda qid: url_for(".question", code=code, qid=qid, change=1),
    )
    form = SubmitForm(formdata=None, data={"draft": draft.token})
    return render_template(
        "respond/check.html",
        wave=wave,
        d=definition,
        rows=rows,
        form=form,
        errors=errors,
        missing=missing,
        title="Check your answers before sending them",
    ), (400 if errors else 200)


@bp.get("/surveys/<code>/done")
def done(code: str):
    wave = _wave(code)
    reference = session.get("submitted", {}).get(code)
    if reference is None:
        return redirect(url_for(".start", code=code))
    return render_template(
        "respond/done.html",
        wave=wave,
        d=wave.definition,
        reference=reference,
        title="Your answers have been sent",
    )


@bp.get("/surveys/<code>/saved")
def saved(code: str):
    wave = _wave(code)
    draft = _draft_for(wave)
    if draft is None:
        return redirect(url_for(".start", code=code))
    link = url_for(".resume_link", token=draft.token, _external=True)
    return render_template(
        "respond/saved.html",
        wave=wave,
        d=wave.definition,
        draft=draft,
        link=link,
        title="Your answers have been saved",
    )


def _continue(draft):
    wave = draft.wave
    _remember(wave.code, draft.token)
    if draft.response_id is not None:
        session["submitted"] = {**session.get("submitted", {}), wave.code: draft.response.reference}
        return redirect(url_for(".done", code=wave.code))
    nxt = _next_question(wave.definition, draft.answers or {})
    if nxt is None:
        return redirect(url_for(".check", code=wave.code))
    return redirect(url_for(".question", code=wave.code, qid=nxt))


@bp.get("/resume/<token>")
def resume_link(token: str):
    draft = find_draft(db.session, token=token)
    if draft is None:
        return render_template(
            "respond/resume_missing.html", title="We could not find your answers"
        ), 404
    return _continue(draft)


@bp.route("/resume", methods=["GET", "POST"])
def resume():
    form = ResumeForm()
    if form.validate_on_submit():
        draft = find_draft(db.session, code=form.code.data or "")
        if draft is not None:
            return _continue(draft)
        form.code.errors = ["Enter the resume code we gave you, for example K7PM-Q9XD"]
    elif request.method == "POST" and not form.errors.get("code"):
        form.code.errors = ["Your session timed out. Enter your resume code again"]
    status = 400 if form.code.errors else 200
    return render_template("respond/resume.html", form=form, title="Continue your survey"), status
