"""Agreement between automatic and human coding, against hand-worked values."""

import pytest

from analysis.comments.agreement import cohens_kappa, sentiment_agreement, theme_agreement


def test_kappa_matches_hand_calculation():
    # observed 0.9; chance 0.25*0.25 + 0.75*0.75 = 0.625; (0.9-0.625)/0.375
    assert cohens_kappa(20, 5, 5, 70) == pytest.approx(0.7333, abs=1e-4)


def test_kappa_is_undefined_when_nobody_uses_the_theme():
    assert cohens_kappa(0, 0, 0, 10) is None


def test_per_theme_precision_and_recall_on_the_confirmed_sample_only():
    auto = {"a": ["transport", "communication"], "b": ["transport"], "c": [], "z": ["transport"]}
    human = {"a": ["transport"], "b": [], "c": ["transport"]}
    rows = {r.key: r for r in theme_agreement(auto, human)}
    t = rows["transport"]
    assert (t.n, t.both, t.auto_only, t.human_only) == (3, 1, 1, 1)
    assert t.precision == 0.5 and t.recall == 0.5
    assert rows["communication"].recall is None


def test_empty_confirmed_sample_is_an_error():
    with pytest.raises(ValueError):
        theme_agreement({"a": ["transport"]}, {})


def test_sentiment_agreement_accuracy_and_kappa():
    out = sentiment_agreement(
        {"a": "negative", "b": "positive", "c": "mixed"},
        {"a": "negative", "b": "positive", "c": "negative"},
    )
    assert out["n"] == 3
    assert out["accuracy"] == pytest.approx(2 / 3)
    assert out["kappa"] == pytest.approx(0.5)
