"""Server time per respondent request, in one process, without HTTP or concurrency.

    .venv/bin/python bench/respond.py [--surveys 60] [--databases sqlite,postgresql]

Answers ``--surveys`` whole surveys (the three co-produced ones in turn) through
Flask's test client on a fresh SQLite file and a fresh PostgreSQL database
(``RESPONDBENCH_DATABASE_URL``, skipped when unreachable), after a few surveys
to warm up, and prints, per kind of request, the mean and median milliseconds,
and this process's CPU milliseconds per request (PostgreSQL's own work is not
in it). This is the cost ``bench/load.py`` multiplies by its concurrency: it
shows where a respondent's time goes without the load generator sharing the
CPU. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    CSRF,
    DRAFT,
    answers_for,
    fresh_postgres,
    prepare_database,
    summarise,
)

SURVEYS = ("parent-carer-annual", "kpi-pulse", "young-person")


def journeys(app, codes: dict[str, str], surveys: int) -> dict[str, list[float]]:
    """Answer ``surveys`` surveys; seconds per request, by kind."""
    times: dict[str, list[float]] = defaultdict(list)

    def timed(kind, client, method, path, data=None):
        start = time.perf_counter()
        reply = client.open(path, method=method, data=data)
        times[kind].append(time.perf_counter() - start)
        return reply

    rng = random.Random(1)
    for n in range(surveys):
        slug = SURVEYS[n % len(SURVEYS)]
        code, answers = codes[slug], answers_for(slug, rng)
        client = app.test_client()
        page = timed("start page", client, "GET", f"/surveys/{code}/").text
        token = {"csrf_token": CSRF.search(page).group(1)}
        location = timed("start", client, "POST", f"/surveys/{code}/start", token).headers[
            "Location"
        ]
        while "/questions/" in location:
            html = timed("question page", client, "GET", location).text
            qid = location.rsplit("/", 1)[-1]
            data = {"csrf_token": CSRF.search(html).group(1), "draft": DRAFT.search(html).group(1)}
            if qid in answers:
                data["answer"] = answers[qid]
            if f"{qid}_comment" in answers:
                data["comment"] = answers[f"{qid}_comment"]
            location = timed("answer", client, "POST", location, data).headers["Location"]
        check = timed("check page", client, "GET", f"/surveys/{code}/check").text
        data = {"csrf_token": CSRF.search(check).group(1), "draft": DRAFT.search(check).group(1)}
        done = timed("submit", client, "POST", f"/surveys/{code}/check", data)
        timed("confirmation page", client, "GET", done.headers["Location"])
    return times


PG_URL = os.environ.get(
    "RESPONDBENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/respondbench"
)
WARM_UP = 6


def measure(url: str, surveys: int) -> tuple[dict[str, list[float]], float]:
    """Per-kind seconds and this process's CPU seconds for ``surveys`` surveys on ``url``."""
    codes = prepare_database(url)
    from feedback import create_app
    from feedback.config import Config
    from feedback.extensions import db

    # Config reads the environment once, on import: each run's database is named here.
    app = create_app(type("RespondBench", (Config,), {"DATABASE_URL": url}))
    try:
        journeys(app, codes, WARM_UP)  # templates compiled, pages drawn, statements cached
        cpu = time.process_time()
        times = journeys(app, codes, surveys)
        return times, time.process_time() - cpu
    finally:
        db.dispose()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--surveys", type=int, default=60)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    lines = [f"{args.surveys} surveys answered in one process (Flask test client)"]
    with tempfile.TemporaryDirectory(prefix="respondbench-") as tmp:
        # Set before the app is first imported, and kept for every database's run.
        os.environ.update(
            FEEDBACK_ENV="production",
            SECRET_KEY="respond-bench-only",
            SESSION_COOKIE_SECURE="false",
            CHARTJS_SOURCE="local",
            FEEDBACK_INSTANCE_DIR=tmp,
            RESPOND_RATE_LIMIT="1000000 per hour",
        )
        for database in args.databases.split(","):
            if database == "sqlite":
                url = f"sqlite:///{tmp}/bench.db"
            elif fresh_postgres(PG_URL):
                url = PG_URL
            else:
                continue
            times, cpu = measure(url, args.surveys)
            every = [t for v in times.values() for t in v]
            lines.append(f"[{database}]")
            lines.append(f"  {'request':<18} {'count':>6} {'mean ms':>8} {'median ms':>10}")
            for kind, values in sorted(times.items()):
                lines.append(
                    f"  {kind:<18} {len(values):>6} {statistics.mean(values) * 1000:>8.2f} "
                    f"{statistics.median(values) * 1000:>10.2f}"
                )
            lines.append(
                f"  {'every request':<18} {len(every):>6} {statistics.mean(every) * 1000:>8.2f}"
                f"   (CPU {cpu * 1000 / len(every):.2f} ms a request in this process)"
            )
    print("\n".join(lines))
    summarise("bench/respond.py", lines)


if __name__ == "__main__":
    main()
