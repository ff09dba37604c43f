"""General rules added for comments written by other people, on our own sentences."""

import pytest

from analysis.comments.pipeline import analyse_comment
from analysis.comments.redact import find_pii, redact
from analysis.comments.sentiment import score_sentiment
from analysis.comments.text import CueIndex, cue_anchors, cue_regex, starts_word
from analysis.comments.themes import code_themes


def themes(text, question=None):
    return {h.key for h in code_themes(text, question)}


def label(text):
    return score_sentiment(text).label


def spans(text):
    return [(s.kind, text[s.start : s.end]) for s in find_pii(text)]


# --- cue index -------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "anchors"),
    [
        ("(kept|been) waiting", {"waiting"}),
        ("(a further|an extra) (#|few) months", {"months"}),
        ("(nobody|no-one) (phoned|wrote)", {"phoned", "wrote"}),
        ("(a further|an extra)", {"further", "extra"}),
        ("chas*", {"chas*"}),
        ("re:anything", None),
        ("(#|few) (#|many)", None),
    ],
)
def test_cue_anchors_are_words_every_match_needs(phrase, anchors):
    found = cue_anchors(phrase)
    assert (set(found) if found else None) == anchors


def test_cue_index_only_offers_cues_whose_anchor_is_present():
    index = CueIndex([("(kept|been) waiting", "wait"), ("taxi*", "taxi"), ("re:x", "raw")])
    assert sorted(index.candidates("the taxis were late")) == ["raw", "taxi"]
    assert sorted(index.candidates("we have been waiting")) == ["raw", "wait"]


def test_unbounded_cue_regex_needs_the_word_start_check():
    import re

    regex = re.compile(cue_regex("act on", bounded_left=False))
    text = "they react on impulse but never act on it"
    starts = [m.start() for m in regex.finditer(text) if starts_word(text, m.start())]
    assert starts == [text.index("act on it")]


# --- themes ----------------------------------------------------------------


def test_trailing_gap_cue_matches_without_literal_dots():
    assert "waiting_times" in themes("It is March and we still haven't heard a thing")


def test_replacing_staff_is_not_a_reply():
    assert "communication" not in themes("The speech therapist retired and nobody is replacing her")


def test_communication_aid_is_not_contact_with_services():
    assert "communication" not in themes("She uses a communication book with symbols at home")


def test_texting_back_is_communication():
    assert "communication" in themes("the lady from the council texts me back the same day")


def test_consultant_is_not_consultation():
    assert "listened_to" not in themes("The consultant at the hospital changed his tablets")


def test_youth_panel_is_being_listened_to_not_an_ehcp_panel():
    found = themes("our young people's panel told the mayor about the broken lifts")
    assert "listened_to" in found
    assert "ehcp_process" not in found


def test_getting_a_coat_on_is_not_understanding_the_child():
    assert "staff_understanding" not in themes("the escort helps get her coat on before the bus")


def test_i_dont_get_it_is_not_about_staff_understanding():
    assert "staff_understanding" not in themes("my TA explains it twice when i dont get it")


def test_misreading_behaviour_is_staff_understanding():
    assert "staff_understanding" in themes("His tutor says he is just being lazy and messing about")


def test_sending_a_child_home_is_school_support():
    assert "school_support" in themes("They send him home most afternoons when he gets upset")


def test_off_rolling_is_school_support():
    assert "school_support" in themes("The head suggested home education, which is off-rolling")


def test_resourced_provision_is_not_funding():
    assert "funding_resources" not in themes("She attends a resourced provision three days a week")


def test_one_worker_for_everyone_is_a_capacity_problem():
    assert "funding_resources" in themes("There is only one autism advisor for the whole county")


def test_health_visitor_is_not_a_health_service_mention():
    assert "health_services" not in themes("The health visitor said she was a late talker")


def test_names_inside_comments_do_not_trigger_cues_via_surnames():
    # "Price" is a funding cue word, but here it is part of a person's name.
    record = {"id": 1, "text": "Our GP, Dr Price, was kind and referred us quickly"}
    assert "funding_resources" not in analyse_comment(record)["themes"]


# --- sentiment -------------------------------------------------------------


def test_praise_and_complaint_in_one_clause_do_not_cancel_out():
    assert label("The nursery are lovely, the portal is useless") == "mixed"


def test_neutral_clause_after_but_following_praise_is_the_complaint():
    assert label("The holiday scheme is wonderful but it only runs for a week") == "mixed"


def test_sarcastic_opening_before_a_complaint_is_negative():
    assert label("Oh brilliant, the appointment has been cancelled again") == "negative"


def test_genuine_opening_praise_stays_positive():
    assert label("Brilliant, the new SENCO has sorted everything and he is happy") == "positive"


def test_negation_without_an_opinion_word_is_a_complaint():
    assert label("The ramp still hasn't been fitted and nobody has rung") == "negative"


def test_gratitude_idioms_are_positive():
    assert label("She deserves a medal, she kept us going through the worst year") != "negative"
    assert label("Nothing is too much trouble for the transport team") == "positive"
    assert label("We could never have managed the paperwork without them") == "positive"


def test_makes_a_difference_without_an_adjective_is_positive():
    assert label("Having the same escort every day makes a difference") == "positive"


def test_young_person_liking_something_is_positive():
    assert label("i like art club and my mentor") == "positive"


# --- redaction -------------------------------------------------------------


def test_ordinary_word_surname_after_a_given_name_is_kept_with_it():
    assert spans("Tracey Baker from the inclusion team phoned") == [("person_name", "Tracey Baker")]


def test_title_with_only_an_initial_is_a_name():
    assert ("person_name", "Mr J") in spans("I asked Mr J about the trip")
    assert ("person_name", "miss t") in spans("miss t is my favourite")


def test_verb_miss_before_a_capital_is_not_a_name():
    assert spans("I miss A LOT of lessons") == []


def test_name_before_a_role_description_is_redacted():
    assert ("person_name", "Rosalind") in spans("Rosalind the dietitian gave us a plan")


def test_nickname_after_bus_man_is_redacted():
    assert ("person_name", "Baz") in spans("the bus man Baz waves at me")


def test_flower_names_are_names_when_capitalised():
    assert ("person_name", "Daisy") in spans("Daisy has been off school all week")


def test_more_setting_names_are_found():
    assert ("school_or_setting_name", "Moorside Secondary") in spans(
        "He moved to Moorside Secondary in year 7"
    )
    assert ("school_or_setting_name", "Bluebell Pre-School") in spans(
        "Bluebell Pre-School were lovely with him"
    )


@pytest.mark.parametrize(
    "text",
    [
        "He has Tourette's and the school know it",
        "Speech and Language Therapy and Occupational Therapy were both good",
        "We use Makaton at home and Minecraft calms him down",
        "My daughter has Down syndrome",
    ],
)
def test_conditions_and_services_are_not_names(text):
    assert redact(text) == text
