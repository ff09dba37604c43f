"""Agreement between automatic and human coding on the checked sample, worked by hand."""

from __future__ import annotations

import pytest

from feedback.services import theme_results
from feedback.services.comments import save_human_coding

#: (comment, the person's themes). With the small test codebook the machine codes
#: transport on the first three, waiting_times on the third, nothing on the last two.
SAMPLE = [
    ("The taxi was late.", ["transport"]),
    ("The bus never came.", []),
    ("Waited ages for the taxi.", ["waiting_times"]),
    ("Nobody listens to us.", ["transport"]),
    ("Lovely people at the drop-in.", []),
]


@pytest.fixture
def checked(db_session, small_codebook, create_wave, add_comment, create_user):
    wave = create_wave()
    forum = create_user("forum")
    codings = [add_comment(wave, text) for text, _ in SAMPLE]
    for coding, (_, themes) in zip(codings, SAMPLE, strict=True):
        # Agree with the machine's feeling on all but the first comment.
        feeling = coding.sentiment
        if coding is codings[0]:
            feeling = "positive" if coding.sentiment != "positive" else "negative"
        save_human_coding(db_session, coding, themes=themes, sentiment=feeling, by=forum)
    add_comment(wave, "The taxi driver is kind.")  # not checked: not in the sample
    return wave, codings


def test_agreement_per_theme_matches_a_hand_calculation(db_session, checked):
    result = theme_results.agreement(db_session)

    assert result["n"] == 5
    rows = {r["key"]: r for r in result["themes"]}
    transport = rows["transport"]
    # both 1 (first), machine only 2 (second, third), person only 1 (fourth), neither 1.
    assert (transport["both"], transport["auto_only"], transport["human_only"]) == (1, 2, 1)
    assert transport["precision"] == pytest.approx(1 / 3)
    assert transport["recall"] == pytest.approx(1 / 2)
    # observed 2/5; chance 0.6 * 0.4 + 0.4 * 0.6 = 0.48; (0.4 - 0.48) / 0.52
    assert transport["kappa"] == pytest.approx(-0.08 / 0.52)
    waiting = rows["waiting_times"]
    assert (waiting["precision"], waiting["recall"], waiting["kappa"]) == (1.0, 1.0, 1.0)
    assert result["sentiment"]["accuracy"] == pytest.approx(4 / 5)


def test_agreement_page_shows_the_figures(client_request, login_as, checked):
    login_as("board")

    page = client_request.get("/forum/coding-agreement")

    assert "5 checked comments" in page.select_one("#sample-size").get_text()
    row = page.select_one("#agreement-table tr[data-theme=transport]")
    assert row.select_one(".app-precision").get_text(strip=True) == "33%"
    assert row.select_one(".app-recall").get_text(strip=True) == "50%"
    assert row.select_one(".app-kappa").get_text(strip=True) == "-0.15"
    assert "80%" in page.select_one("#sentiment-agreement").get_text()


def test_agreement_page_before_anyone_has_checked_a_comment(
    client_request, login_as, small_codebook, create_wave, add_comment
):
    add_comment(create_wave(), "The taxi was late.")
    login_as("forum")
    page = client_request.get("/forum/coding-agreement")
    assert page.select_one("#no-sample")


def test_agreement_can_be_narrowed_to_one_wave(
    db_session, client_request, login_as, checked, create_wave, add_comment, create_user
):
    other = create_wave()
    coding = add_comment(other, "The bus was fine.")
    save_human_coding(
        db_session, coding, themes=["transport"], sentiment="positive", by=create_user("officer")
    )
    login_as("forum")

    everything = client_request.get("/forum/coding-agreement")
    one = client_request.get(f"/forum/coding-agreement?wave={other.id}")

    assert "6 checked comments" in everything.select_one("#sample-size").get_text()
    assert "1 checked comment" in one.select_one("#sample-size").get_text()
    assert everything.select_one("#agreement-filter select option[selected]") is None or (
        everything.select_one("#agreement-filter select option[selected]")["value"] == ""
    )
