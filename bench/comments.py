"""Throughput of the comment pipeline (themes + sentiment + redaction).

Generates synthetic comments from templates, runs the full pipeline on one
core and prints comments per second, next to a bare regular-expression pass
over the same texts as a ceiling. Prints figures; asserts nothing.

    python bench/comments.py [--n 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.comments.pipeline import analyse_comment  # noqa: E402
from analysis.comments.themes import default_coder  # noqa: E402
from bench.common import summarise  # noqa: E402

OPENINGS = ["Honestly", "To be fair", "Sadly", "As a parent", "Overall", "", "", ""]
SUBJECTS = [
    "the SENCO",
    "our case officer",
    "CAMHS",
    "the taxi escort",
    "the speech therapist",
    "the council",
    "the short breaks team",
    "the nursery",
    "his TA",
    "the forum",
    "the college",
    "the paediatrician",
    "SENDIASS",
    "the EHC team",
    "school",
]
VERDICTS = [
    "has been brilliant",
    "never replies to emails",
    "is always late",
    "listened to what we said",
    "cut his hours without asking",
    "is sound",
    "kept us waiting for 40 weeks",
    "explained every step",
    "does not understand autism",
    "lost the paperwork again",
    "made a massive difference",
    "is a shambles",
]
TAILS = [
    "",
    "",
    "Great, another review cancelled.",
    "We are still waiting for the plan.",
    "My son {name} is {age} and goes to {school}.",
    "Ring me on 07700 900{num}.",
    "Email me at parent{num}@example.org.",
    "We live in L{d} {d}PQ.",
    "Mrs {surname} at the SEN team has been helpful.",
    "I feel like I have to fight for everything.",
]
NAMES = ["Alfie", "Maya", "Noah", "Isla", "Zain", "Freya", "Kacper", "Amara"]
SURNAMES = ["Patel", "Jones", "Okafor", "Walsh", "Nowak", "Hughes"]
SCHOOLS = ["Oakfield Primary", "St Anne's", "Riverside Academy", "Willow Tree Nursery"]


def make_comments(n: int, seed: int = 1) -> list[dict]:
    """``n`` synthetic comments from the templates, reproducibly."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        parts = [rng.choice(OPENINGS), rng.choice(SUBJECTS), rng.choice(VERDICTS) + "."]
        if rng.random() < 0.5:
            parts += ["But", rng.choice(SUBJECTS), rng.choice(VERDICTS) + "."]
        parts.append(
            rng.choice(TAILS).format(
                name=rng.choice(NAMES),
                age=rng.randint(4, 17),
                school=rng.choice(SCHOOLS),
                num=rng.randint(100, 999),
                d=rng.randint(1, 9),
                surname=rng.choice(SURNAMES),
            )
        )
        text = " ".join(p for p in parts if p).strip()
        out.append(
            {
                "id": i,
                "text": text[0].upper() + text[1:],
                "question": rng.choice(["4/1", "4/2", "4/6", "general"]),
            }
        )
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of comments")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.n < 1:
        raise ValueError("--n must be positive")
    comments = make_comments(args.n, args.seed)
    default_coder()  # compile the codebook and load lexicons outside the timed loop
    analyse_comment({"id": "warm", "text": "warm up"})

    ceiling_re = re.compile(r"\b(?:wait\w*|senco|camhs|taxi|forum|\d{5,})\b", re.IGNORECASE)
    start = time.perf_counter()
    hits = sum(len(ceiling_re.findall(c["text"])) for c in comments)
    regex_s = time.perf_counter() - start

    start = time.perf_counter()
    for c in comments:
        analyse_comment(c)
    full_s = time.perf_counter() - start

    lines = [
        f"comments:              {args.n}",
        f"full pipeline:         {args.n / full_s:,.0f} comments/s ({full_s:.2f} s)",
        f"bare regex ceiling:    {args.n / regex_s:,.0f} comments/s ({regex_s:.2f} s, "
        f"{hits} matches)",
    ]
    print("\n".join(lines))
    summarise("bench/comments.py", lines[1:])


if __name__ == "__main__":
    main()
