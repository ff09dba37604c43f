"""Find and mask personal data in free-text comments.

Forum and board members only ever see redacted text, so recall matters most,
but masking every capitalised word would make quotes unreadable, so each rule
needs a reason to believe a span is personal:

- *patterns*: e-mail addresses, UK phone numbers, UK postcodes (any case),
  and a child's initial with an age ("J (9)", "T aged 13", "(E, 9)");
- *titles*: Mr/Mrs/Ms/Miss/Dr/Cllr... plus a surname, in any case
  ("mrs jones");
- *given names*: a capitalised word from our gazetteer of UK given names
  (``analysis/data/comments_given_names.txt``), with a following capitalised
  surname; ambiguous words (Grace, May, Will) need a context cue;
- *context*: a capitalised word that is not ordinary English after "my son",
  "called", "my name is", "social worker" and similar, or before "'s";
- *settings*: capitalised words before School, Primary, Academy, Nursery,
  College...; "St Bede's"; and any later bare mention of a setting name already
  found ("Meadowbank Academy" ... "at Meadowbank").

Spans are character offsets into the original text; placeholders are typed
(``[name]``, ``[school]``, ``[email]``, ``[phone]``, ``[postcode]``,
``[child]``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.comments.text import data_path, english_words, read_word_list

PLACEHOLDERS = {
    "person_name": "[name]",
    "email": "[email]",
    "phone": "[phone]",
    "postcode": "[postcode]",
    "school_or_setting_name": "[school]",
    "child_age_and_initials": "[child]",
}

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_RE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d\)?[\s-]?){8,10}\d(?!\d)")
POSTCODE_RE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
CHILD_RE = re.compile(
    r"\b[A-Z]\s?\(\s?(?:aged?\s)?\d{1,2}\s?\)"  # J (9)
    r"|(?<=\()[A-Z],\s?(?:aged?\s)?\d{1,2}(?=\))"  # (E, 9)
    r"|\b[A-Z],?\s(?:aged?|age)\s\d{1,2}\b"  # T aged 13
    r"|\b[A-Z]\s?\d{1,2}\s?(?:yo|y/o|yrs?|years? old)\b"  # K 7yo
)
TITLE_RE = re.compile(
    r"\b(?i:mr|mrs|ms|miss|mx|dr|cllr|councillor|prof|professor|sir|dame|nurse|sister)\.?"
    r"(?:\s+[A-Z]\.?)?\s+(?:(?P<cap>[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)|(?P<low>[a-z]{3,})|"
    r"(?P<initial>[A-HJ-Za-hj-z])\.?(?![\w'@]))"
    r"(?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?)?\b"
)
# "Mr B", "Miss K.": a title with a capital initial (surname left out).
TITLE_INITIAL_RE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|MR|MRS|MS|MISS|DR|mr|mrs|ms|dr)\.?\s+[A-Z]\.?(?![\w'@])"
)
_NAME_TOKEN = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
NAME_TOKEN_RE = re.compile(rf"\b{_NAME_TOKEN}\b")
SETTING_SUFFIX = (
    r"(?:(?:C\s?of\s?E|CE|RC|Catholic|Church of England|Community|Infant|Infants|"
    r"Junior|Juniors|Primary|Secondary|High|Grammar|Day|Pre|Prep|Special|Free|"
    r"Nursery|"
    r"Children's|Childrens|Studio|Sixth Form)\s+)*"
    r"(?:School|Primary|Secondary|Academy|Nursery|College|Juniors|Infants|High|Grammar|"
    r"Preschool|Pre-[Ss]chool|Tots|Kids|Sixth Form|Centre|Learning Centre|Free School|"
    r"Prep|Montessori|Playgroup|Pre School|Childminding|Childminders|Daycare|"
    r"Day Care|Federation|Tutoring)\b"
)
SETTING_RE = re.compile(
    rf"\b(?:St\.?\s+{_NAME_TOKEN}(?:'s)?(?:\s+{SETTING_SUFFIX})?|"
    rf"(?:{_NAME_TOKEN}(?:'s)?\s+){{1,3}}{SETTING_SUFFIX}|St\.?\s+{_NAME_TOKEN}'s)"
)
CONTEXT_BEFORE_RE = re.compile(
    r"\b(?:my|our|his|her|their)\s+(?:son|daughter|child|boy|girl|grandson|granddaughter|"
    r"husband|wife|partner|brother|sister|nephew|niece|friend|mum|dad|step-?son|step-?daughter|"
    r"foster (?:son|daughter|child)|twins?)\s*,?\s+$"
    r"|\b(?:called|named|name is|name's|i'm|i am|this is)\s+$"
    r"|\b(?:social worker|case ?worker|case officer|key ?worker|support worker|teacher|senco|"
    r"\bta|escort|driver|physio|therapist|ot|salt|nurse|paediatrician|officer|worker|"
    r"coordinator|co-ordinator|manager|head|headteacher|mentor|assistant|tutor|1:1|"
    r"person|contact|advisor|adviser|practitioner|psychologist|ep|lead|chair|consultant|man|lady|"
    r"woman|guy|bloke|fella|mate|named worker|caseworker|visitor|carer|pa|mentor|keyworker|"
    r"coach|trainer|instructor|receptionist|secretary|councillor|mp),?\s+$",
    re.IGNORECASE,
)
CONTEXT_AFTER_RE = re.compile(
    r"^(?:'s\b|,?\s+(?:who|from|at|in the|is (?:my|our|his|her|the)|was (?:my|our|his|her|the)|"
    r"has been (?:amazing|brilliant|great|fantastic|lovely|so)|and (?:the|her|his) team|"
    r"(?:he|she) (?:is|was|has|always|emails|rings|calls|helps)|"
    r"(?:the|our|my|his|her|their) (?:[a-z]+ ){0,2}(?:nurse|teacher|senco|ta|worker|officer|"
    r"therapist|physio|ot|salt|paediatrician|consultant|doctor|head|headteacher|manager|"
    r"coordinator|co-ordinator|escort|driver|assistant|mentor|psychologist|visitor|tutor|"
    r"lead|adviser|advisor|practitioner|social worker|dietitian|dietician|audiologist|"
    r"specialist|advocate|interpreter|receptionist|secretary|caseworker)\b))"
)
with data_path("comments_redaction_words.json").open(encoding="utf-8") as _fh:
    _WORDS = json.load(_fh)
# Capitalised words that look like names but are not personal data here.
_NOT_NAMES = frozenset(_WORDS["not_names"])
_AMBIGUOUS_NAMES = frozenset(_WORDS["ambiguous_given_names"])


_FUNCTION_WORDS = frozenset(_WORDS["setting_leading_words"])
_SCHOOL_CONTEXT_RE = re.compile(
    r"\b(?:school|support|class|teachers?|staff|senco|pupils?|year \d+|ta|excluded|mainstream|"
    r"placement|nursery|college|academy|lessons?|head|tas|reviews?|ehcp|plan|education|"
    r"learning|taught)\b",
    re.IGNORECASE,
)
_AT_NAME_RE = re.compile(rf"\b(?:at|attends|attending|attended)\s+({_NAME_TOKEN})\b(?!\s+[A-Z])")


@dataclass(frozen=True)
class PiiSpan:
    """One piece of personal data: its kind and offsets in the original text."""

    kind: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    return read_word_list("comments_given_names.txt")


def _ordinary(word: str) -> bool:
    """True when ``word`` is an everyday English word, hence likely not a name."""
    return word.lower() in english_words() or word.lower() in _NOT_NAMES


# Capitalised words that follow a given name without being its surname.
_NOT_SURNAMES = frozenset(
    {
        "the",
        "and",
        "but",
        "or",
        "so",
        "if",
        "as",
        "for",
        "who",
        "was",
        "is",
        "has",
        "had",
        "have",
        "her",
        "his",
        "she",
        "he",
        "they",
        "we",
        "you",
        "it",
        "my",
        "our",
        "their",
        "this",
        "that",
        "said",
        "says",
        "thanks",
        "thank",
        "then",
        "when",
        "where",
        "what",
        "why",
        "how",
        "please",
        "also",
        "too",
        "just",
        "only",
        "did",
        "does",
        "do",
        "can",
        "could",
        "would",
        "will",
        "should",
        "may",
        "might",
        "not",
        "no",
        "yes",
        "from",
        "with",
        "at",
        "in",
        "on",
        "to",
        "by",
        "of",
        "school",
        "primary",
        "academy",
        "college",
        "nursery",
        "team",
        "service",
        "services",
    }
)


_SEASONS = frozenset({"summer", "autumn", "winter", "spring"})
_MID_SENTENCE_RE = re.compile(r"[a-z,]\s+$")


def _surname_like(word: str) -> bool:
    """A capitalised ordinary word right after a given name reads as a surname ("Kirsty Lamb")."""
    return (
        len(word) >= 3 and word.lower() not in _NOT_SURNAMES and word.lower() not in _FUNCTION_WORDS
    )


def _name_spans(text: str) -> list[PiiSpan]:
    """Given names and context-cued names, with a following surname."""
    names = _given_names()
    spans = []
    for m in NAME_TOKEN_RE.finditer(text):
        word = m.group(0)
        low = word.lower()
        if low in _NOT_NAMES:
            continue
        in_gazetteer = low in names
        if not in_gazetteer and _ordinary(word):
            continue
        if not in_gazetteer or low in _AMBIGUOUS_NAMES:
            # Context is only needed (and only computed) for words that are
            # not plainly given names.
            before = text[max(0, m.start() - 40) : m.start()]
            after = text[m.end() : m.end() + 40]
            cued = bool(CONTEXT_BEFORE_RE.search(before) or CONTEXT_AFTER_RE.match(after))
            if not in_gazetteer and not cued:
                continue
            if in_gazetteer and not cued:
                # "thanks to Grace" mid-sentence is a name; "Grace period" is not.
                nxt = NAME_TOKEN_RE.match(after.lstrip())
                mid = low not in _SEASONS and _MID_SENTENCE_RE.search(before)
                if not (mid or (nxt and not _ordinary(nxt.group(0)))):
                    continue
        end = m.end()
        nxt = re.match(rf"\s+({_NAME_TOKEN})\b", text[end:])
        if (
            nxt
            and nxt.group(1).lower() not in _NOT_NAMES
            and (not _ordinary(nxt.group(1)) or (in_gazetteer and _surname_like(nxt.group(1))))
        ):
            end += nxt.end()
        spans.append(PiiSpan("person_name", m.start(), end))
    return spans


def _lower_name_spans(text: str) -> list[PiiSpan]:
    """Lower-case given names after a strong cue ("my son jake")."""
    names = _given_names()
    spans = []
    for m in re.finditer(r"\b[a-z]+(?:-[a-z]+)?\b", text):
        if (
            m.group(0) in names
            and m.group(0) not in _AMBIGUOUS_NAMES
            and CONTEXT_BEFORE_RE.search(text[max(0, m.start() - 40) : m.start()])
        ):
            spans.append(PiiSpan("person_name", m.start(), m.end()))
    return spans


def _title_spans(text: str) -> list[PiiSpan]:
    """Title plus surname; a lower-case surname must not be an ordinary word."""
    spans = []
    for m in TITLE_RE.finditer(text):
        end = m.end()
        if m.group("initial"):
            # "Miss K", "mr b.": a title with a bare initial is a person; in
            # "i miss A LOT" the lower-case "miss" is the verb.
            if m.group(0)[0].islower() and m.group("initial").isupper():
                continue
            spans.append(PiiSpan("person_name", m.start(), m.end("initial")))
            continue
        surname = m.group("cap") or m.group("low")
        if surname.lower() in _NOT_NAMES:
            continue
        if m.group("low"):
            if (
                surname in english_words()
                or m.group(0)[0].isupper() is False
                and surname in _FUNCTION_WORDS
            ):
                continue
            end = m.start("low") + len(surname)
        else:
            last = m.group(0).split()[-1]
            if last != surname and (last.lower() in english_words() or last.lower() in _NOT_NAMES):
                end = m.end() - len(last) - 1
                end = len(text[:end].rstrip())
        spans.append(PiiSpan("person_name", m.start(), end))
    return spans


def _bare_setting_spans(text: str) -> list[PiiSpan]:
    """Unknown capitalised word after "at" in a sentence about school."""
    spans = []
    for sentence in re.finditer(r"[^.!?\n]+", text):
        if not _SCHOOL_CONTEXT_RE.search(sentence.group(0)):
            continue
        for m in _AT_NAME_RE.finditer(sentence.group(0)):
            word = m.group(1)
            if (
                word.lower() in english_words()
                or word.lower() in _given_names()
                or word.lower() in _NOT_NAMES
            ):
                continue
            start = sentence.start() + m.start(1)
            spans.append(PiiSpan("school_or_setting_name", start, start + len(word)))
    return spans


def _setting_spans(text: str) -> list[PiiSpan]:
    spans = []
    for m in SETTING_RE.finditer(text):
        start = m.start()
        # Drop leading ordinary words ("The", "At", "Our") from the name.
        while True:
            first = re.match(rf"({_NAME_TOKEN})\s+", text[start : m.end()])
            if not first or first.group(1).lower() not in _FUNCTION_WORDS:
                break
            start += first.end()
        if text[start : m.end()].strip() and not re.fullmatch(
            SETTING_SUFFIX, text[start : m.end()]
        ):
            spans.append(PiiSpan("school_or_setting_name", start, m.end()))
    # A setting named once in full is often mentioned again by its first word.
    stems = {text[s.start : s.end].split()[0].rstrip("'s") for s in spans}
    stems = {s for s in stems if s != "St" and not _ordinary(s)}
    for stem in stems:
        for m in re.finditer(rf"\b{re.escape(stem)}\b", text):
            spans.append(PiiSpan("school_or_setting_name", m.start(), m.end()))
    return spans


def find_pii(text: str) -> list[PiiSpan]:
    """Find personal data in ``text``.

    Parameters
    ----------
    text : str
        The comment as written.

    Returns
    -------
    list of PiiSpan
        Non-overlapping spans sorted by start; where rules overlap, the
        longer span wins (a setting name beats the given name inside it).

    Examples
    --------
    >>> [(s.kind, s.start, s.end) for s in find_pii("My son Alfie goes to Oakfield Primary")]
    [('person_name', 7, 12), ('school_or_setting_name', 21, 37)]
    """
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    found: list[PiiSpan] = []
    for kind, regex in (
        ("email", EMAIL_RE),
        ("phone", PHONE_RE),
        ("postcode", POSTCODE_RE),
        ("child_age_and_initials", CHILD_RE),
    ):
        found += [PiiSpan(kind, m.start(), m.end()) for m in regex.finditer(text)]
    found += _title_spans(text)
    found += [PiiSpan("person_name", m.start(), m.end()) for m in TITLE_INITIAL_RE.finditer(text)]
    found += _bare_setting_spans(text)
    found += _setting_spans(text)
    found += _name_spans(text)
    found += _lower_name_spans(text)
    return _resolve(found)


def _resolve(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Keep the longest of overlapping spans; earlier kinds break ties."""
    chosen: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def redact(text: str, spans: list[PiiSpan] | None = None) -> str:
    """Replace personal data in ``text`` with typed placeholders.

    Examples
    --------
    >>> redact("Ring me on 07700 900123 or email jo@example.com")
    'Ring me on [phone] or email [email]'
    """
    if spans is None:
        spans = find_pii(text)
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < last:
            raise ValueError("spans overlap")
        out.append(text[last : span.start])
        out.append(PLACEHOLDERS.get(span.kind, "[redacted]"))
        last = span.end
    out.append(text[last:])
    return "".join(out)
