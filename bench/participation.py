"""Time the participation monitor's queries on a large wave.

Inserts ``--responses`` response rows (default 20,000: several times the
largest wave a local area expects) into one wave, spread
over 60 days with mixed respondent types, EHCP statuses and channels, then
times :func:`feedback.queries.participation.participation` (four GROUP BY
queries plus suppression of three breakdowns), best of ``--repeat``. The
monitor reads only the ``response`` table, so no answer rows are made. Prints
figures; asserts nothing.

    python bench/participation.py [--responses 20000] [--pg postgresql://postgres@127.0.0.1/pbench]

SQLite runs on a temporary file; PostgreSQL, when given, has its tables replaced.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import feedback.models  # noqa: E402,F401
from bench.common import summarise  # noqa: E402
from feedback import clock  # noqa: E402
from feedback.db import Base, make_engine  # noqa: E402
from feedback.models import Response, Survey, Wave, WaveKind, WaveStatus  # noqa: E402
from feedback.queries.participation import participation  # noqa: E402
from feedback.services.surveys import load_definitions  # noqa: E402
from surveys.loader import load_all  # noqa: E402

OPENS = datetime(2027, 3, 1)


def _fill(session: Session, n: int, seed: int) -> Wave:
    load_definitions(session, load_all())
    survey = session.scalars(select(Survey).where(Survey.slug == "parent-carer-annual")).one()
    wave = Wave(
        code="bench-participation",
        name="Bench wave",
        version=survey.latest,
        kind=WaveKind.ANNUAL,
        status=WaveStatus.OPEN,
        opens_at=OPENS,
        closes_at=OPENS + timedelta(days=60),
    )
    session.add(wave)
    session.commit()
    rng = random.Random(seed)
    batch = []
    for i in range(n):
        at = OPENS + timedelta(days=rng.randrange(60), minutes=rng.randrange(1440))
        batch.append(
            {
                "wave_id": wave.id,
                "reference": f"B{i:07d}",
                "channel": rng.choices(["online", "paper", "phone", "event"], [90, 7, 2, 1])[0],
                "respondent_type": "parent_carer",
                "ehcp_status": rng.choice(["yes", "no", "in_assessment", "dont_know", None]),
                "submitted_at": at,
                "received_on": at.date(),
                "is_late": False,
                "included": True,
            }
        )
        if len(batch) == 10_000:
            session.execute(insert(Response), batch)
            batch.clear()
    if batch:
        session.execute(insert(Response), batch)
    session.commit()
    return wave


def _time(url: str, n: int, repeat: int, seed: int) -> None:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        started = time.perf_counter()
        wave = _fill(session, n, seed)
        loaded = time.perf_counter() - started
        clock.freeze(OPENS + timedelta(days=61))
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            result = participation(session, wave)
            best = min(best, time.perf_counter() - started)
        clock.freeze(None)
    engine.dispose()
    name = url.split("://")[0]
    line = (
        f"{name}: {n:,} responses (loaded in {loaded:.1f} s); participation() best of "
        f"{repeat}: {best * 1000:.0f} ms; {len(result.per_day)} days, "
        f"{len(result.breakdowns)} breakdowns"
    )
    print(line)
    summarise("bench/participation.py", [line])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", help="a PostgreSQL URL to time as well (its tables are replaced)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _time(f"sqlite:///{tmp}/bench.db", args.responses, args.repeat, args.seed)
    if args.pg:
        _time(args.pg, args.responses, args.repeat, args.seed)


if __name__ == "__main__":
    main()
