"""Sentiment corrections over TextBlob, on our own sentences."""

import pytest

from analysis.comments.sentiment import score_sentiment


def label(text):
    return score_sentiment(text).label


def test_plain_praise_is_positive():
    assert label("The speech therapist has been fantastic with our boy") == "positive"


def test_sound_as_british_praise_is_positive():
    assert label("my key worker is sound") == "positive"


def test_fight_and_battle_are_negative():
    assert (
        label("Every year is a battle and I have to fight for every hour of support") == "negative"
    )


def test_shambles_is_negative():
    assert label("The whole transport set up is a shambles") == "negative"


def test_sarcastic_great_another_is_negative():
    result = score_sentiment("Great, another six months on the list.")
    assert result.label == "negative"
    assert result.polarity < 0


def test_negated_praise_is_not_positive():
    assert label("The new portal is not helpful at all") == "negative"


def test_nobody_listens_is_negative_although_listen_is_neutral():
    assert label("Nobody listens and nobody replies") == "negative"


def test_praise_for_one_service_and_anger_at_another_is_mixed():
    assert label("The nursery staff are wonderful but the council have been useless.") == "mixed"


def test_cannot_praise_enough_is_positive_despite_the_negation():
    assert label("I cannot praise the short breaks team enough") == "positive"


def test_scare_quoted_praise_does_not_count():
    assert label("They say he is 'fine' and 'doing well' at school") != "positive"


def test_factual_statement_is_neutral():
    assert label("He has a plan and goes to a specialist provision three days a week") == "neutral"


def test_polarity_is_bounded():
    for text in ("Brilliant brilliant brilliant!!!", "Awful, terrible, a disgrace"):
        assert -1.0 <= score_sentiment(text).polarity <= 1.0


def test_non_string_raises_value_error():
    with pytest.raises(ValueError):
        score_sentiment(42)
