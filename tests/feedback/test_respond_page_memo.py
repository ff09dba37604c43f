"""Question pages are drawn once and sent again with each family's own secrets."""

from __future__ import annotations

import re

import pytest

from feedback.respond.page_memo import PageMemo, page_memo

SECRETS = re.compile(
    r'(name="csrf_token"[^>]*value=")[^"]+|(name="draft"[^>]*value=")[^"]+|(nonce=")[^"]+'
)


def _without_secrets(html: str) -> str:
    return SECRETS.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "SECRET", html)


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)


def _first_option(html: str) -> str:
    return re.search(r'name="answer"[^>]*value="([^"]+)"', html).group(1)


def _answer_first_option(client, url: str, page: str, **fields):
    """Send the page's form with its first option chosen, as a browser would."""
    data = {"csrf_token": _hidden(page, "csrf_token"), "draft": _hidden(page, "draft")}
    return client.post(url, data={**data, "answer": _first_option(page), **fields})


def _first_question(client, wave) -> str:
    page = client.get(f"/surveys/{wave.code}/").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post(f"/surveys/{wave.code}/start", data={"csrf_token": token}).location


@pytest.fixture
def memo(app):
    """An empty memo for this test, the app's own put back afterwards."""
    saved = app.extensions.pop("respond_page_memo", None)
    yield
    app.extensions.pop("respond_page_memo", None)
    if saved is not None:
        app.extensions["respond_page_memo"] = saved


def test_second_family_gets_the_same_page_with_their_own_tokens(app, db_session, create_wave, memo):
    wave = create_wave("parent-carer-annual")
    first, second = app.test_client(), app.test_client()
    url = _first_question(first, wave)
    assert _first_question(second, wave) == url

    with app.app_context():
        before = len(page_memo())
    drawn = first.get(url)
    with app.app_context():
        kept = len(page_memo())
    again = second.get(url)

    assert kept == before + 1
    assert _without_secrets(again.text) == _without_secrets(drawn.text)
    assert _hidden(again.text, "draft") != _hidden(drawn.text, "draft")
    assert _hidden(again.text, "csrf_token") != _hidden(drawn.text, "csrf_token")
    nonce = re.search(r'nonce="([^"]+)"', again.text).group(1)
    assert f"'nonce-{nonce}'" in again.headers["Content-Security-Policy"]
    assert nonce != re.search(r'nonce="([^"]+)"', drawn.text).group(1)


def test_second_family_gets_the_same_start_page_with_their_own_token(
    app, db_session, create_wave, memo
):
    wave = create_wave("parent-carer-annual")
    first_question = wave.definition.questions[0].id
    first, second = app.test_client(), app.test_client()

    drawn = first.get(f"/surveys/{wave.code}/")
    with app.app_context():
        kept = len(page_memo())
    again = second.get(f"/surveys/{wave.code}/")

    assert kept == 1
    assert _without_secrets(again.text) == _without_secrets(drawn.text)
    assert _hidden(again.text, "csrf_token") != _hidden(drawn.text, "csrf_token")
    assert second.post(
        f"/surveys/{wave.code}/start", data={"csrf_token": _hidden(again.text, "csrf_token")}
    ).location.endswith(f"/questions/{first_question}")


def test_a_family_with_answers_saved_is_offered_to_continue(app, db_session, create_wave, memo):
    wave = create_wave("parent-carer-annual")
    newcomer, returning = app.test_client(), app.test_client()
    newcomer.get(f"/surveys/{wave.code}/")
    _first_question(returning, wave)

    page = returning.get(f"/surveys/{wave.code}/").text

    assert "Continue your answers" in page
    assert "Start now" in newcomer.get(f"/surveys/{wave.code}/").text


def test_a_page_from_the_memo_can_be_answered(app, db_session, create_wave, memo):
    wave = create_wave("parent-carer-annual")
    first, second = app.test_client(), app.test_client()
    url = _first_question(first, wave)
    _first_question(second, wave)
    first.get(url)
    page = second.get(url).text

    sent = _answer_first_option(second, url, page)

    assert sent.status_code == 302
    assert "/questions/" in sent.location and sent.location != url


def test_chosen_answer_is_shown_checked_from_its_own_page(app, db_session, create_wave, memo):
    wave = create_wave("parent-carer-annual")
    client = app.test_client()
    url = _first_question(client, wave)
    empty = client.get(url).text
    _answer_first_option(client, url, empty)

    back = client.get(url).text

    assert re.search(rf'value="{re.escape(_first_option(empty))}"[^>]*checked', back)
    assert not re.search(r"checked", empty)


def test_typed_comment_is_never_kept(app, db_session, create_wave, memo):
    wave = create_wave("kpi-pulse")
    client = app.test_client()
    _first_question(client, wave)
    url = f"/surveys/{wave.code}/questions/kpi_4_1"
    page = client.get(url).text
    _answer_first_option(client, url, page, comment="Our keyworker Zebediah never rang back")

    again = client.get(url).text

    assert "Zebediah" in again
    memo_pages = app.extensions["respond_page_memo"]._pages.values()
    assert not any("Zebediah" in kept for kept in memo_pages)


def test_memo_keeps_nothing_when_a_secret_is_missing_from_the_page():
    memo = PageMemo()

    page = memo.render("key", lambda: "<p>no token here</p>", {"csrf": "abc123"})

    assert page == "<p>no token here</p>"
    assert len(memo) == 0


def test_memo_puts_each_requests_secrets_back_and_forgets_the_oldest():
    memo = PageMemo(max_pages=2)
    memo.render(
        "a", lambda: "<input value='tok-1'><script nonce='n-1'>", {"t": "tok-1", "n": "n-1"}
    )

    again = memo.render("a", lambda: pytest.fail("drawn twice"), {"t": "tok-2", "n": "n-2"})
    memo.render("b", lambda: "<b>tok-3</b>", {"t": "tok-3"})
    memo.render("c", lambda: "<c>tok-4</c>", {"t": "tok-4"})

    assert again == "<input value='tok-2'><script nonce='n-2'>"
    assert len(memo) == 2
    assert memo.render("a", lambda: "<a>tok-5</a>", {"t": "tok-5"}) == "<a>tok-5</a>"


def test_app_mounted_under_a_path_gets_links_under_that_path(app, db_session, create_wave, memo):
    wave = create_wave("parent-carer-annual")
    client = app.test_client()
    url = _first_question(client, wave)
    client.get(url)

    mounted = client.get(url, environ_overrides={"SCRIPT_NAME": "/area"}).text

    back = re.search(r'href="([^"]+)" class="govuk-back-link', mounted).group(1)
    assert back == f"/area/surveys/{wave.code}/"
