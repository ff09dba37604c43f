"""Load benchmark: many families answering at once through gunicorn, on SQLite and PostgreSQL.

    .venv/bin/python bench/load.py                     # 50 respondents, 20 s, both databases
    .venv/bin/python bench/load.py --respondents 100 --duration 30 --databases sqlite

For each database, on the same gunicorn settings (gthread, 2 workers x 2
threads by default, on 127.0.0.1). On two cores 2 x 2 served the most
respondent requests in alternating 15 s runs: 702 to 793 a second on SQLite and
597 to 606 on PostgreSQL, against 634 to 643 and 523 to 581 for 4 x 1, and 663
to 684 and 594 to 615 for 3 x 1 (an earlier machine: 389 to 416 against 308 to
364 for 2 x 4). More threads per worker contend for its GIL; more single-thread
workers serve the bare endpoint faster but respondents more slowly, with a
longer tail:

1. the journey: each simulated respondent GETs every page, POSTs every answer
   with its CSRF token, submits, reads its reference, and starts again;
2. the ceiling: the same number of clients hitting ``/healthz`` (a constant, no
   database) for a few seconds on either side of the journey, once the workers
   are warm and have coded every comment; the mean of the two is the ceiling
   (one window, taken while the workers were still starting, moved by a
   quarter between runs);
3. the audit: references acknowledged to respondents against rows stored
   (must be equal, with no draft stored twice).

Goals (issue 7): page p95 under 100 ms at 50 concurrent respondents, and
respondent requests served at no less than half the bare endpoint's rate. The
load generator runs on the same two cores as the server, so the latencies are
conservative. The ratio is not: the generator's own cost weighs in both rates,
so the cheaper the generator, the nearer the ratio of the rates comes to the
ratio of the server's own CPU per request (the ``cpu`` column: bare over
respondent, gunicorn and PostgreSQL), which is lower. With no
think time every respondent is a flat-out client, and by Little's law the mean
latency is then 50 / (requests a second): even the bare endpoint's p95 (printed
beside it) is far over 100 ms on two cores, so the page goal is read with people
who pause to read (``--think 1``, as ``make bench`` also runs), and the
flat-out run measures capacity. The CPU lines split each
request's cost between gunicorn's workers, PostgreSQL and the generator.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.common import (  # noqa: E402
    Respondent,
    Server,
    Stats,
    acknowledged_vs_stored,
    answers_for,
    cpu_seconds,
    fresh_postgres,
    loopback_session,
    percentile,
    postgres_pids,
    prepare_database,
    summarise,
    uncoded_comments,
)

PG_URL = os.environ.get("LOADBENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/loadbench")
SURVEYS = ("parent-carer-annual", "kpi-pulse", "young-person")


class CpuMeter:
    """CPU seconds the block cost the gunicorn workers, PostgreSQL and this generator.

    Server and generator share two cores, so the per-request split shows where a
    saturated run's time goes: a request that costs the server 2 ms and the
    generator 1 ms caps two cores near 650 requests a second.
    """

    def __init__(self, server: Server, postgres: bool):
        self.server = server
        self.postgres = postgres

    def _read(self) -> dict[str, dict[int, float]]:
        groups = {"server": self.server.worker_pids()}
        if self.postgres:
            groups["database"] = postgres_pids()
        return {name: {pid: cpu_seconds([pid]) for pid in pids} for name, pids in groups.items()}

    def __enter__(self) -> CpuMeter:
        self.began, self.generator = self._read(), time.process_time()
        return self

    def __exit__(self, *_exc) -> None:
        ended = self._read()
        self.used = {
            name: sum(cpu - self.began[name].get(pid, 0.0) for pid, cpu in pids.items())
            for name, pids in ended.items()
        }
        self.used["generator"] = time.process_time() - self.generator

    def per_request_ms(self, requests: int) -> dict[str, float]:
        return {name: used * 1000 / max(requests, 1) for name, used in self.used.items()}


def bare_rate(base: str, clients: int, seconds: float) -> tuple[float, list[float], Counter]:
    """Requests per second for /healthz with ``clients`` concurrent keep-alive clients.

    Also the latencies, and the failed requests by the exception that failed them.
    """
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client():
        http = loopback_session()
        mine = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                http.get(f"{base}/healthz", timeout=10)
                mine.append(time.perf_counter() - start)
            except requests.RequestException as exc:
                with lock:
                    errors[f"bare endpoint: {type(exc).__name__}"] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.monotonic() - began), latencies, errors


def journeys(
    base: str, codes: dict, respondents: int, seconds: float, think: float = 0.0
) -> tuple[Stats, float, int]:
    """Respondents answering surveys until ``seconds`` pass; (stats, elapsed, completed).

    ``think`` is the mean pause (exponential) before each answer, as a person reads
    and chooses; 0 makes every respondent a flat-out client (a saturation test).
    """
    stats = Stats()
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    completed = [0]

    def family(n: int):
        rng = random.Random(n)
        mine = Stats()
        pause = (lambda: time.sleep(rng.expovariate(1 / think))) if think else None
        if think:  # people arrive one by one, not all 50 on the same millisecond
            time.sleep(rng.uniform(0, 2 * think))
        while time.monotonic() < stop:
            slug = SURVEYS[rng.randrange(len(SURVEYS))]
            try:
                # Like a browser, send a request once more if the connection drops
                # (gunicorn closes keep-alive connections idle for 2 s, so a reader's
                # pause can outlast one); every failed attempt is still counted.
                Respondent(base, mine, retries=1).answer_survey(
                    codes[slug], answers_for(slug, rng), pause=pause
                )
                with lock:
                    completed[0] += 1
            except Exception as exc:  # noqa: BLE001 - counted, and the family starts again
                mine.errors[f"journey: {type(exc).__name__}"] += 1
        with lock:
            stats.merge(mine)

    threads = [threading.Thread(target=family, args=(n,)) for n in range(respondents)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, time.monotonic() - began, completed[0]


class Ceiling(NamedTuple):
    """One window of the bare endpoint: its rate, latencies, errors and CPU."""

    rate: float
    latencies: list[float]
    errors: Counter
    cpu: CpuMeter


def settle(url: str, timeout: float = 30) -> None:
    """Wait until the workers have coded every comment the journeys left them."""
    deadline = time.monotonic() + timeout
    while uncoded_comments(url) and time.monotonic() < deadline:
        time.sleep(0.5)


def run(database: str, url: str, args, workdir: Path) -> dict:
    codes = prepare_database(url)
    postgres = database == "postgresql"
    bare_runs: list[Ceiling] = []
    with Server(url, workers=args.workers, threads=args.threads, instance_dir=workdir) as server:

        def ceiling() -> None:
            with CpuMeter(server, postgres) as cpu:
                measured = bare_rate(server.base, args.respondents, args.bare_seconds)
            bare_runs.append(Ceiling(*measured, cpu))

        # Each worker draws its pages, compiles its templates and loads the comment
        # coder on first use: seconds of CPU a server pays once, not per request.
        warm, _, _ = journeys(server.base, codes, args.respondents, args.warmup, args.think)
        settle(url)
        # The ceiling is measured on either side of the journeys, on warm workers with
        # nothing left to code, so a noisy neighbour in one window moves it less.
        ceiling()
        with CpuMeter(server, postgres) as journey_cpu:
            stats, elapsed, completed = journeys(
                server.base, codes, args.respondents, args.duration, args.think
            )
        settle(url)
        ceiling()
    bare = sum(r.rate for r in bare_runs) / len(bare_runs)
    bare_lat = [x for r in bare_runs for x in r.latencies]
    bare_cpu = {
        name: sum(r.cpu.used.get(name, 0.0) for r in bare_runs) * 1000 / max(len(bare_lat), 1)
        for name in bare_runs[0].cpu.used
    }
    audit = acknowledged_vs_stored(url, warm.acknowledged + stats.acknowledged)
    for kind, count in warm.errors.items():  # errors count from the first request
        stats.errors[kind] += count
    for run in bare_runs:  # and the ceiling's, so every error in the table is named
        stats.errors.update(run.errors)
    every = stats.all_latencies()
    pages = [x for k, v in stats.latencies.items() if "page" in k for x in v]
    rate = len(every) / elapsed
    cpu_ms = journey_cpu.per_request_ms(len(every))
    return {
        "database": database,
        "respondents": args.respondents,
        "surveys_per_s": completed / elapsed,
        "requests_per_s": rate,
        "bare_per_s": bare,
        "ratio": rate / bare if bare else float("nan"),
        "cpu_ratio": _server_ms(bare_cpu) / _server_ms(cpu_ms),
        "p50_ms": percentile(every, 50) * 1000,
        "p95_ms": percentile(every, 95) * 1000,
        "p99_ms": percentile(every, 99) * 1000,
        "page_p95_ms": percentile(pages, 95) * 1000,
        "bare_p95_ms": percentile(bare_lat, 95) * 1000,
        "cpu_ms": cpu_ms,
        "bare_cpu_ms": bare_cpu,
        "bare_runs": [r.rate for r in bare_runs],
        "errors": sum(stats.errors.values()),
        "error_kinds": dict(stats.errors),
        "by_kind": {
            k: (len(v), percentile(v, 50) * 1000, percentile(v, 95) * 1000)
            for k, v in sorted(stats.latencies.items())
        },
        **audit,
    }


def _server_ms(cpu_ms: dict[str, float]) -> float:
    """CPU ms a request cost the server side: gunicorn's workers and PostgreSQL."""
    return cpu_ms["server"] + cpu_ms.get("database", 0.0)


def print_report(rows: list[dict], args) -> None:
    print(
        f"\ngunicorn {args.workers} workers x {args.threads} threads on 127.0.0.1; "
        f"{args.respondents} concurrent respondents for {args.duration:.0f} s, "
        f"mean think time {args.think:g} s "
        f"(bare endpoint {args.bare_seconds:.0f} s before and after them, after {args.warmup:g} s "
        f"of journeys to warm the workers); load generator on the same machine"
    )
    for row in rows:
        print(f"\n[{row['database']}] per request kind: count, p50 ms, p95 ms")
        for kind, (n, p50, p95) in row["by_kind"].items():
            print(f"  {kind:<18} {n:>7} {p50:>8.1f} {p95:>8.1f}")
        runs = " and ".join(f"{rate:.0f}" for rate in row["bare_runs"])
        print(f"  bare endpoint, before and after the journeys: {runs} requests/s")
        for label, cpu in (("respondent", row["cpu_ms"]), ("bare", row["bare_cpu_ms"])):
            split = ", ".join(f"{name} {ms:.2f}" for name, ms in cpu.items())
            print(f"  CPU ms per {label} request: {split}")
        if row["error_kinds"]:
            print(f"  errors: {row['error_kinds']}")
    header = (
        f"{'database':<10} {'surveys/s':>9} {'req/s':>7} {'bare/s':>7} {'ratio':>6} {'cpu':>5} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} {'page95':>7} {'bare95':>6} {'errors':>6} {'acked':>6} "
        f"{'stored':>6} {'missing':>7} {'dupes':>5}"
    )
    print("\n" + header)
    lines = [header]
    for r in rows:
        line = (
            f"{r['database']:<10} {r['surveys_per_s']:>9.1f} {r['requests_per_s']:>7.0f} "
            f"{r['bare_per_s']:>7.0f} {r['ratio']:>6.2f} {r['cpu_ratio']:>5.2f} "
            f"{r['p50_ms']:>6.1f} {r['p95_ms']:>6.1f} "
            f"{r['p99_ms']:>6.1f} {r['page_p95_ms']:>7.1f} {r['bare_p95_ms']:>6.1f} "
            f"{r['errors']:>6} "
            f"{r['acknowledged']:>6} {r['stored']:>6} {r['acknowledged_missing']:>7} "
            f"{r['stored_twice']:>5}"
        )
        print(line)
        lines.append(line)
    for r in rows:
        cpu = ", ".join(
            f"{name} {ms:.2f} (bare {r['bare_cpu_ms'].get(name, 0):.2f})"
            for name, ms in r["cpu_ms"].items()
        )
        lines.append(f"{r['database']} CPU ms per request: {cpu}")
    print(
        "(latencies in ms over every respondent request; page95 = GET pages only; "
        "bare95 = the bare endpoint's p95 at the same concurrency; ratio = req/s over "
        "bare/s; cpu = the server's CPU per bare request over its CPU per respondent "
        "request, gunicorn and PostgreSQL, which the shared load generator does not dilute)"
    )
    summarise(
        f"bench/load.py ({args.respondents} respondents, {args.duration:.0f} s, "
        f"think {args.think:g} s)",
        lines,
    )


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--bare-seconds", type=float, default=5)
    parser.add_argument(
        "--warmup", type=float, default=5, help="seconds of journeys before measuring"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds a respondent pauses per answer"
    )
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="loadbench-") as tmp:
        for database in args.databases.split(","):
            workdir = Path(tmp) / database
            if database == "sqlite":
                url = f"sqlite:///{workdir / 'loadbench.db'}"
                workdir.mkdir(parents=True)
            elif database == "postgresql":
                if not fresh_postgres(PG_URL):
                    continue
                url = PG_URL
            else:
                parser.error(f"unknown database {database!r}")
            rows.append(run(database, url, args, workdir))
    print_report(rows, args)
    return rows


if __name__ == "__main__":
    main()
