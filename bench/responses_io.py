"""Row-level export and import of a large wave: time, peak Python memory, identical round trip.

Builds a throwaway SQLite database in a temporary directory, stores N annual
survey responses (with comments, some formula-like), then times the streamed
CSV export, the XLSX export, a dry-run import and a real import of the CSV
back into the emptied wave, and checks the second export is byte-identical.
Prints figures; asserts nothing.

    python bench/responses_io.py [--n 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.common import summarise  # noqa: E402
from feedback import clock  # noqa: E402
from feedback.db import Base, make_engine  # noqa: E402
from feedback.models import Answer, Response, Survey, Wave, WaveStatus  # noqa: E402
from feedback.services.exporting import csv_export, export_file  # noqa: E402
from feedback.services.importing import import_csv  # noqa: E402
from feedback.services.responses import build_response  # noqa: E402
from feedback.services.surveys import load_definitions  # noqa: E402
from surveys.loader import load_all  # noqa: E402
from surveys.validation import validate_response  # noqa: E402

COMMENTS = [
    "The SENCO has been brilliant, but the wait for the plan was far too long.",
    '=HYPERLINK("http://example.org", "click")',
    "-- we were never told what happens next",
    'Line one\nLine two, with a comma, and "quotes"',
    "Très bien 🙂 – merci",
    "",
]


def _answers(rng: random.Random, definition) -> dict:
    raw = {}
    for q in definition.questions:
        if q.type == "text":
            raw[q.id] = rng.choice(COMMENTS)
        elif q.required or rng.random() < 0.7:
            plain = [o.code for o in q.options if not o.exclusive]
            raw[q.id] = rng.choice(plain)
        if q.comment_id and rng.random() < 0.4:
            raw[q.comment_id] = rng.choice(COMMENTS)
    return validate_response(definition, raw)


#: Each measured line, for make bench's summary.
MEASURED: list[str] = []


def _measure(label: str, action, *, memory: bool) -> object:
    """Time ``action``; with ``memory``, trace allocations too (several times slower)."""
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    peak = ""
    if memory:
        peak = f"   peak Python memory {tracemalloc.get_traced_memory()[1] / 1e6:7.1f} MB"
        tracemalloc.stop()
    MEASURED.append(f"{label:<34} {seconds:7.2f} s{peak}")
    print(MEASURED[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--memory", action="store_true", help="Trace peak Python memory (slows everything)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session:
            load_definitions(session, load_all())
            survey = session.scalars(
                select(Survey).where(Survey.slug == "parent-carer-annual")
            ).one()
            now = clock.now()
            wave = Wave(
                code="bench-annual",
                name="Bench",
                version=survey.latest,
                status=WaveStatus.OPEN,
                opens_at=now - timedelta(days=30),
                closes_at=now + timedelta(days=30),
            )
            session.add(wave)
            session.commit()
            rng = random.Random(1)
            started = time.perf_counter()
            for start in range(0, args.n, 1000):
                session.add_all(
                    build_response(wave, _answers(rng, wave.definition), received_at=now)
                    for _ in range(min(1000, args.n - start))
                )
                session.commit()
            answers = session.query(Answer).count()
            print(
                f"stored {args.n} responses, {answers} answer rows "
                f"in {time.perf_counter() - started:.1f} s ({engine.dialect.name})"
            )

            # Each step starts like a request does: with nothing loaded in the session.
            session.expunge_all()
            wave = session.get(Wave, wave.id)

            def stream_csv(path: Path) -> None:
                largest = 0
                with path.open("wb") as out:
                    for chunk in csv_export(session, wave, actor="bench"):
                        largest = max(largest, len(chunk))
                        out.write(chunk.encode("utf-8"))
                print(f"  largest streamed chunk {largest / 1e3:.0f} kB")

            _measure(
                "CSV export (streamed to a file)",
                lambda: stream_csv(Path(tmp) / "1.csv"),
                memory=args.memory,
            )
            first = (Path(tmp) / "1.csv").read_bytes()
            print(f"  {len(first) / 1e6:.1f} MB")
            xlsx = io.BytesIO()
            _measure(
                "XLSX export",
                lambda: export_file(session, wave, "xlsx", xlsx, actor="b"),
                memory=args.memory,
            )
            print(f"  {len(xlsx.getvalue()) / 1e6:.1f} MB")
            ids = select(Response.id).where(Response.wave_id == wave.id)
            session.execute(delete(Answer).where(Answer.response_id.in_(ids)))
            session.execute(delete(Response).where(Response.wave_id == wave.id))
            session.commit()
            session.expunge_all()
            wave = session.get(Wave, wave.id)
            dry = _measure(
                "CSV import --dry-run",
                lambda: import_csv(session, wave, first, dry_run=True),
                memory=args.memory,
            )
            print(f"  {dry.rows} rows checked, {len(dry.problems)} problems")
            done = _measure(
                "CSV import (stored)", lambda: import_csv(session, wave, first), memory=args.memory
            )
            print(f"  stored: {done.stored}, {done.rows} rows")
            session.expunge_all()
            wave = session.get(Wave, wave.id)
            _measure(
                "CSV export again", lambda: stream_csv(Path(tmp) / "2.csv"), memory=args.memory
            )
            second = (Path(tmp) / "2.csv").read_bytes()
            print(f"export -> import -> export identical: {second == first}")
            MEASURED.append(f"export -> import -> export identical: {second == first}")
            summarise(
                f"bench/responses_io.py ({args.n:,} responses, {engine.dialect.name})", MEASURED
            )
        engine.dispose()


if __name__ == "__main__":
    main()
