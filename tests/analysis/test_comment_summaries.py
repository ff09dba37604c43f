"""Report tables over coded comments."""

import pandas as pd
import pytest

from analysis.comments.emerging import emerging_themes, noun_phrases
from analysis.comments.summaries import (
    change_since_previous,
    representative_quotes,
    sentiment_split,
    theme_breakdown,
    theme_shares,
)


def frame():
    rows = []
    for wave, n_transport in ((1, 3), (2, 6)):
        for i in range(12):
            rows.append(
                {
                    "wave": wave,
                    "themes": ["transport"] if i < n_transport else [],
                    "sentiment": "negative" if i % 2 else "positive",
                    "redacted": f"comment {i}",
                    "segment": "a" if i < 10 else "b",
                }
            )
    return pd.DataFrame(rows)


def test_share_of_commenters_raising_each_theme_per_wave():
    shares = theme_shares(frame(), ["wave"])
    assert shares.set_index("wave")["pct"].to_dict() == {1: 25.0, 2: 50.0}


def test_change_since_previous_wave_in_points():
    shares = change_since_previous(theme_shares(frame(), ["wave"]))
    assert shares["change"].tolist() == [None, 25.0]


def test_groups_under_ten_commenters_are_suppressed():
    shares = theme_shares(frame(), ["segment"])
    small = shares[shares["segment"] == "b"]
    assert small.empty or (small["pct"] == "c").all()
    split = sentiment_split(frame(), ["segment"]).set_index("segment")
    assert split.loc["b", "positive"] == "c" and split.loc["a", "positive"] != "c"


def test_breakdown_table_marks_small_categories_c():
    df = frame()
    table = theme_breakdown(df[df["wave"] == 2], "segment")
    assert table.loc["transport", "b"] == "c"
    assert table.loc["transport", "a"] == 60.0


def test_representative_quotes_are_diverse_not_longest():
    df = pd.DataFrame(
        {
            "themes": [["transport"]] * 4,
            "redacted": [
                "The taxi is late every single morning and the driver does not care at all",
                "The taxi is late every single morning and the driver does not care",
                "Escort changed without warning",
                "The minibus route takes ninety minutes",
            ],
        }
    )
    quotes = representative_quotes(df, "transport")
    assert len(quotes) == 3
    assert not (quotes[0].startswith("The taxi") and quotes[1].startswith("The taxi"))


def test_quotes_for_an_unused_theme_are_empty():
    assert representative_quotes(frame(), "early_years") == []


def test_noun_phrases_work_offline():
    assert "council tax" in noun_phrases("The council tax went up again this year")


def test_emerging_themes_come_from_uncoded_comments_only():
    comments = [{"id": i, "text": "The swimming pool closed early", "themes": []} for i in range(3)]
    comments.append({"id": 9, "text": "The swimming pool closed", "themes": ["transport"]})
    out = emerging_themes(comments, min_count=3)
    assert out[0]["phrase"] == "swimming pool"
    assert out[0]["comments"] == 3 and 9 not in out[0]["examples"]


def test_bad_parameters_raise_value_error():
    with pytest.raises(ValueError):
        theme_shares(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError):
        emerging_themes([], min_count=0)
