"""Made-up example responses for the demo waves, so a newcomer sees results at once.

Results are hidden below ten answers, so a dashboard on a fresh laptop shows
"No result" on every card until many people have answered. ``flask demo
--example-responses N`` (``make run`` asks for 60) fills each *demo* wave (one
that :func:`feedback.services.surveys.open_demo_waves` created, named "Demo: ...")
with made-up answers and comments, once: a wave that has any response already
is left alone, and a real wave is never touched.
"""

from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback import clock
from feedback.models import Response, Wave
from feedback.services.comments import code_after_store
from feedback.services.responses import build_response
from feedback.services.surveys import DEMO_PREFIX
from surveys.schema import Question, SurveyDefinition
from surveys.validation import validate_response

#: Invented for the demo; general enough to suit any question that asks for comments.
EXAMPLE_COMMENTS = (
    "We waited months for the assessment and nobody told us what was happening.",
    "The SENCO at school has been brilliant and really listens to our son.",
    "Letters about the plan were full of jargon and hard to follow.",
    "Speech and language therapy stopped when he changed school.",
    "The parent carer forum helped us understand what to ask for.",
    "Phone calls are not returned and emails go unanswered for weeks.",
    "Our daughter's plan was reviewed on time and the meeting felt positive.",
    "Transport to the special school keeps changing without warning.",
    "It would help to have one named person to contact.",
    "Short breaks have made a real difference to our family.",
    "The Local Offer website is difficult to search on a phone.",
    "We felt listened to at the annual review this year.",
)


def is_demo(wave: Wave) -> bool:
    return wave.name.startswith(DEMO_PREFIX)


def _choice(question: Question, rng: random.Random) -> str:
    """A weighted pick: the first options (usually the positive ones) a little more often."""
    options = list(question.options)
    weights = [len(options) - i + 1 for i in range(len(options))]
    return rng.choices(options, weights=weights)[0].code


def example_answers(definition: SurveyDefinition, rng: random.Random) -> dict:
    """One made-up, valid set of answers for ``definition``."""
    answers: dict = {}
    for q in definition.questions:
        if q.type == "text":
            if q.required or rng.random() < 0.6:
                answers[q.id] = rng.choice(EXAMPLE_COMMENTS)
        elif q.type == "multi_choice":
            plain = [o.code for o in q.options if not o.exclusive] or [q.options[0].code]
            answers[q.id] = rng.sample(plain, k=min(len(plain), rng.randint(1, 2)))
        else:
            answers[q.id] = _choice(q, rng)
        if q.comment_id and rng.random() < 0.25:
            answers[q.comment_id] = rng.choice(EXAMPLE_COMMENTS)
    return validate_response(definition, answers)


def add_example_responses(session: Session, wave: Wave, count: int, *, seed: int = 0) -> int:
    """Add ``count`` made-up responses to a demo wave that has none yet; how many were added.

    Commits, then codes the comments as any stored response's are.
    """
    if count <= 0 or not is_demo(wave):
        return 0
    if session.scalar(select(func.count()).where(Response.wave_id == wave.id)):
        return 0
    rng = random.Random(f"{seed}:{wave.code}")
    now = clock.now()
    start = min(wave.opens_at, now)
    step = (now - start) / count  # spread between opening and now, never in the future
    responses = [
        build_response(wave, example_answers(wave.definition, rng), received_at=start + step * i)
        for i in range(count)
    ]
    session.add_all(responses)
    session.commit()
    code_after_store(session, response_ids=[r.id for r in responses])
    return count
