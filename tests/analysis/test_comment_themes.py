"""Theme coding behaviour, on sentences written for these tests."""

import pytest

from analysis.comments.codebook import (
    Cue,
    Theme,
    add_theme,
    codebook_from_dict,
    codebook_to_dict,
    default_codebook,
    merge_themes,
    retire_theme,
    reword_theme,
)
from analysis.comments.themes import ThemeCoder, code_themes


def keys(text, **kw):
    return [h.key for h in code_themes(text, **kw)]


def test_default_codebook_has_the_fifteen_co_produced_themes():
    cb = default_codebook()
    assert len(cb.active) == 15
    assert cb.theme("transport").label == "Travel and transport"


def test_codebook_round_trips_through_plain_dicts():
    cb = default_codebook()
    again = codebook_from_dict(codebook_to_dict(cb))
    assert again == cb


def test_editing_the_codebook_bumps_the_version_and_keeps_history():
    cb = default_codebook()
    added = add_theme(cb, Theme("bins", "Bin collections", cues=(Cue("bins"),)))
    assert added.version == cb.version + 1
    retired = retire_theme(added, "bins")
    assert retired.theme("bins").retired and "bins" not in [t.key for t in retired.active]
    reworded = reword_theme(cb, "transport", label="Getting about")
    assert reworded.theme("transport").label == "Getting about"
    assert cb.theme("transport").label == "Travel and transport"


def test_merged_theme_codes_with_the_absorbed_cues():
    cb = merge_themes(default_codebook(), "peer_support_forum", "listened_to")
    coder = ThemeCoder(cb)
    got = [h.key for h in coder.code("The coffee mornings run by other parents kept me going")]
    assert "listened_to" in got and "peer_support_forum" not in got


def test_bad_codebook_input_raises_value_error():
    with pytest.raises(ValueError):
        codebook_from_dict({"themes": [{"label": "no key"}]})
    with pytest.raises(ValueError):
        add_theme(default_codebook(), Theme("transport", "Duplicate"))


def test_waiting_for_an_assessment_is_waiting_times_with_evidence():
    hits = code_themes("We have been waiting eleven months for the autism assessment.")
    assert hits[0].key == "waiting_times"
    assert any("waiting" in e for e in hits[0].evidence)


def test_send_jargon_is_recognised():
    assert "social_care_short_breaks" in keys("Respite stopped and the direct payments were cut")
    assert "information_advice" in keys("Nobody mentioned SENDIASS or the Local Offer to us")
    assert "ehcp_process" in keys("The annual review was cancelled twice")
    assert "health_services" in keys("The CAMHS therapist was kind and really helped her")


def test_taxi_escort_comment_is_about_transport():
    assert keys("The taxi escort keeps changing and the driver never waits")[0] == "transport"


def test_not_having_an_ehcp_is_not_a_comment_on_the_process():
    assert "ehcp_process" not in keys("My daughter doesn't have an EHCP so none of this applies")


def test_non_answers_get_no_theme():
    for text in ("n/a", "No", "not applicable - we are new to the area", "idk"):
        assert keys(text, question="4/6") == []


def test_off_topic_comment_gets_no_theme():
    assert keys("The car park by the library floods every time it rains") == []


def test_typo_in_a_cue_word_still_matches():
    assert "trust_confidence" in keys("We are going to tribunel again next month")


def test_pinch_of_salt_idiom_is_not_speech_therapy():
    assert "health_services" not in keys("I take their promises with a pinch of salt")


def test_youth_forum_is_being_heard_not_peer_support():
    got = keys("The youth forum got the council to listen about the skate park")
    assert "listened_to" in got and "peer_support_forum" not in got


def test_short_answer_to_the_communication_question_gets_that_theme():
    assert keys("Not really, still the same as before", question="4/6") == ["communication"]


def test_at_most_four_themes():
    text = (
        "The taxi was late, the SENCO ignored us, CAMHS waiting list is two years, "
        "the forum helped, respite was cut, college transition was poor and the "
        "Local Offer website is useless."
    )
    assert 1 <= len(keys(text)) <= 4


def test_text_must_be_a_string():
    with pytest.raises(ValueError):
        code_themes(None)
