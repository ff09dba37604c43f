"""Personal-data redaction, on invented comments."""

import pytest

from analysis.comments.redact import PiiSpan, find_pii, redact


def spans(text):
    return [(s.kind, text[s.start : s.end]) for s in find_pii(text)]


def test_child_name_after_my_son_is_redacted():
    text = "My son Tobias has waited a year for speech therapy"
    assert ("person_name", "Tobias") in spans(text)
    assert redact(text) == "My son [name] has waited a year for speech therapy"


def test_gazetteer_first_name_with_surname_is_one_span():
    assert spans("Our worker Rachel Okonkwo rings every week") == [
        ("person_name", "Rachel Okonkwo")
    ]


def test_staff_title_and_surname_in_any_case():
    assert ("person_name", "Mrs Abernathy") in spans("Mrs Abernathy the SENCO was great")
    assert ("person_name", "dr singh") in spans("we saw dr singh at the clinic")
    assert ("person_name", "Cllr Barker") in spans("I wrote to Cllr Barker twice")


def test_miss_as_a_verb_is_not_a_name():
    assert spans("the bus is late so i miss assembly") == []


def test_email_phone_and_postcode_offsets_point_into_the_original():
    text = "Call 0161 496 0123 or 07700 900 456, email sam.k@example.co.uk, we are in m14 5rt."
    found = find_pii(text)
    kinds = {s.kind: text[s.start : s.end] for s in found}
    assert kinds["email"] == "sam.k@example.co.uk"
    assert kinds["postcode"] == "m14 5rt"
    phones = [text[s.start : s.end] for s in found if s.kind == "phone"]
    assert phones == ["0161 496 0123", "07700 900 456"]


def test_initial_with_age_is_a_child_identifier():
    assert ("child_age_and_initials", "K (7)") in spans("K (7) has no school place")
    assert ("child_age_and_initials", "B aged 12") in spans("our son B aged 12 is at home")


def test_school_names_are_redacted_with_the_school_placeholder():
    text = "He moved from Ashgrove Primary to St Cuthbert's and loves it"
    assert ("school_or_setting_name", "Ashgrove Primary") in spans(text)
    assert ("school_or_setting_name", "St Cuthbert's") in spans(text)
    assert redact(text) == "He moved from [school] to [school] and loves it"


def test_nursery_with_a_common_word_in_its_name_keeps_the_whole_name():
    assert ("school_or_setting_name", "Little Owls Nursery") in spans(
        "She started at Little Owls Nursery in May"
    )


def test_later_bare_mention_of_a_named_school_is_redacted_too():
    text = "Fernhill Academy were slow. Since then Fernhill have improved."
    assert [s for k, s in spans(text) if k == "school_or_setting_name"] == [
        "Fernhill Academy",
        "Fernhill",
    ]


def test_generic_school_words_are_not_names():
    assert spans("The Special School and the High School were both full") == []


def test_acronyms_months_and_services_are_left_alone():
    assert spans("In March the SENCO and CAMHS met the Local Offer team") == []


def test_redact_rejects_overlapping_spans():
    with pytest.raises(ValueError):
        redact("abcdef", [PiiSpan("email", 0, 4), PiiSpan("phone", 2, 5)])
