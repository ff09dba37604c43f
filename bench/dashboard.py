"""Dashboard and KPI export with a very large number of stored responses, through gunicorn.

    .venv/bin/python bench/dashboard.py                       # 1,000,000 responses, SQLite
    .venv/bin/python bench/dashboard.py --responses 200000 --pg postgresql://postgres@127.0.0.1/dashbench
    .venv/bin/python bench/dashboard.py --no-sqlite --pg postgresql://postgres@127.0.0.1/dashbench

Stores ``--responses`` responses to one closed parent-carer wave (each with its
six KPI answers and segments; one in ten with a comment), signs in as an
officer, and times, over real HTTP: the forum dashboard, the wave's survey
report, and the KPI export (CSV and XLSX). Goal (issue 7): page p95 under
300 ms. Prints figures; asserts nothing.

"after new" is one request just after a new response was stored. New answers
only change the soft data version (see feedback.cache), so with production
settings (``RESULTS_STALE_SECONDS`` 60) that request shows the
stale-while-revalidate path: the figures kept from before, at once, with
"Figures worked out at ..." on the page, while a background thread works them
out afresh. "fresh after" is how long, from that request, until a request
returns figures that include the new response (polled every 0.1 s: a page
without the "Figures worked out at" notice; for the CSV export, a changed
file; not measured for XLSX, whose bytes differ every time).
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

import requests  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import feedback.models  # noqa: E402,F401
from bench.common import (  # noqa: E402
    CSRF,
    Server,
    answers_for,
    fresh_postgres,
    loopback_session,
    percentile,
    summarise,
)
from feedback.db import Base, make_engine  # noqa: E402
from feedback.models import Answer, Response, Survey, Wave, WaveKind, WaveStatus  # noqa: E402
from feedback.models.responses import RESPONSE_COPIES  # noqa: E402
from feedback.services.surveys import load_definitions  # noqa: E402
from feedback.services.users import create_user  # noqa: E402
from surveys.loader import load_all  # noqa: E402

OPENS = datetime(2026, 3, 1)
PASSWORD = "dashboard-bench-password"
BATCH = 20_000


def fill(url: str, n: int, seed: int) -> int:
    """Store ``n`` responses; the wave id."""
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    definition = load_all()["parent-carer-annual"]
    kpis = [q for q in definition.questions if q.kpi]
    segments = {
        "respondent_type": ["parent_carer"],
        "ehcp_status": ["yes", "no", "in_assessment", "dont_know"],
        "age_band": ["age_0_4", "age_5_10", "age_11_15", "age_16_25"],
        "locality": ["north", "south", "central"],
        "setting": ["mainstream", "special", "other"],
    }
    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as session:
        load_definitions(session, load_all())
        survey = session.scalars(select(Survey).where(Survey.slug == "parent-carer-annual")).one()
        wave = Wave(
            code="bench-dashboard",
            name="Annual survey 2026",
            version=survey.latest,
            kind=WaveKind.ANNUAL,
            status=WaveStatus.CLOSED,
            opens_at=OPENS,
            closes_at=OPENS + timedelta(days=60),
        )
        session.add(wave)
        create_user(session, "officer@example.org", "officer", PASSWORD, name="Bench officer")
        session.commit()
        wave_id = wave.id
        responses, answers = [], []
        for i in range(1, n + 1):
            at = OPENS + timedelta(days=rng.randrange(60), minutes=rng.randrange(1440))
            responses.append(
                {
                    "id": i,
                    "wave_id": wave_id,
                    "reference": f"D{i:08d}",
                    "channel": "online",
                    "submitted_at": at,
                    "received_on": at.date(),
                    "is_late": False,
                    "included": True,
                    **{k: rng.choice(v) for k, v in segments.items()},
                }
            )
            # Each answer repeats its response's included, segments and channel.
            copies = {name: responses[-1].get(name) for name in RESPONSE_COPIES}
            for q in kpis:
                answers.append(
                    {
                        "response_id": i,
                        "wave_id": wave_id,
                        "question_id": q.id,
                        "kpi": q.kpi,
                        "option_code": rng.choice(q.options).code,
                        "text": None,
                        **copies,
                    }
                )
            if i % 10 == 0:
                answers.append(
                    {
                        "response_id": i,
                        "wave_id": wave_id,
                        "question_id": "general_comments",
                        "kpi": None,
                        "option_code": None,
                        "text": "Waiting lists for therapy are still too long.",
                        **copies,
                    }
                )
            if len(responses) == BATCH:
                session.execute(insert(Response), responses)
                session.execute(insert(Answer), answers)
                session.commit()
                responses, answers = [], []
        if responses:
            session.execute(insert(Response), responses)
            session.execute(insert(Answer), answers)
        session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("SELECT setval('response_id_seq', :n)"), {"n": n})
            session.commit()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        else:
            session.execute(text("ANALYZE"))
            session.commit()
    engine.dispose()
    return wave_id


def sign_in(base: str) -> requests.Session:
    http = loopback_session()
    page = http.get(f"{base}/staff/login").text
    reply = http.post(
        f"{base}/staff/login",
        data={
            "csrf_token": CSRF.search(page).group(1),
            "email": "officer@example.org",
            "password": PASSWORD,
        },
        allow_redirects=False,
    )
    assert reply.status_code == 302, reply.status_code
    return http


def timed(http: requests.Session, method: str, url: str, repeat: int, **kwargs) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        reply = http.request(method, url, timeout=300, **kwargs)
        times.append(time.perf_counter() - start)
        if reply.status_code != 200:
            raise RuntimeError(f"{method} {url}: HTTP {reply.status_code}")
    return times


def run(url: str, n: int, repeat: int, seed: int, workdir: Path) -> list[str]:
    started = time.perf_counter()
    wave_id = fill(url, n, seed)
    loaded = time.perf_counter() - started
    lines = []
    with Server(url, workers=2, threads=4, instance_dir=workdir) as server:
        http = sign_in(server.base)
        kpis_page = http.get(f"{server.base}/manage/kpis").text
        token = CSRF.search(kpis_page).group(1)
        cases = {
            "dashboard": ("GET", "/forum/dashboard", {}),
            "dashboard (wave)": ("GET", f"/forum/dashboard?wave={wave_id}", {}),
            "survey report": ("GET", f"/forum/waves/{wave_id}/report", {}),
            "KPIs page": ("GET", "/manage/kpis", {}),
            "KPI export csv": (
                "POST",
                "/manage/kpis/export",
                {"data": {"csrf_token": token, "fmt": "csv"}},
            ),
            "KPI export xlsx": (
                "POST",
                "/manage/kpis/export",
                {"data": {"csrf_token": token, "fmt": "xlsx"}},
            ),
        }
        name = url.split(":")[0]
        lines.append(
            f"{name}: {n:,} responses stored in {loaded:.0f} s; first request, then "
            f"{repeat} more (p50, p95), then one after a new response changed the data"
        )
        lines.append(
            f"  {'page':<18} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'after new ms':>13}"
            f" {'fresh after s':>14}"
        )
        timings, before = {}, {}
        for label, (method, path, kwargs) in cases.items():
            timings[label] = timed(http, method, server.base + path, repeat + 1, **kwargs)
            before[label] = http.request(method, server.base + path, timeout=300, **kwargs).content
        add_response(url, wave_id, seed)
        for label, (method, path, kwargs) in cases.items():
            first, rest = timings[label][0], timings[label][1:]
            (after,) = timed(http, method, server.base + path, 1, **kwargs)
            fresh = fresh_after(http, method, server.base + path, before[label], **kwargs)
            lines.append(
                f"  {label:<18} {first * 1000:>9.0f} {percentile(rest, 50) * 1000:>8.0f} "
                f"{percentile(rest, 95) * 1000:>8.0f} {after * 1000:>13.0f} {fresh:>14}"
            )
    return lines


def fresh_after(
    http: requests.Session, method: str, url: str, before: bytes, timeout: float = 120, **kwargs
) -> str:
    """Seconds until ``url`` returns figures with the new response in them, as text."""
    if url.endswith("/export") and kwargs["data"]["fmt"] == "xlsx":
        return "n/a"
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        body = http.request(method, url, timeout=300, **kwargs).content
        if _has_new_figures(body, before):
            return f"{time.perf_counter() - start:.1f}"
        time.sleep(0.1)
    return f">{timeout:.0f}"


def _has_new_figures(body: bytes, before: bytes) -> bool:
    """A page: no cached figure on it was stale. A CSV: not the file from before."""
    if b"<html" in body:
        return b'id="figures-stale"' not in body
    return body != before


def add_response(url: str, wave_id: int, seed: int) -> None:
    """One more response, stored the way the app stores one (so cached results go stale)."""
    from feedback.cache import track_changes
    from feedback.services.responses import build_response

    track_changes()
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        wave = session.get(Wave, wave_id)
        answers = answers_for("parent-carer-annual", random.Random(seed))
        session.add(build_response(wave, answers, received_at=wave.opens_at))
        session.commit()
    engine.dispose()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pg", help="a PostgreSQL URL to time too (its database is dropped and created)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="time PostgreSQL only")
    args = parser.parse_args(argv)
    lines = []
    with tempfile.TemporaryDirectory(prefix="dashbench-") as tmp:
        if not args.no_sqlite:
            url = f"sqlite:///{tmp}/bench.db"
            lines += run(url, args.responses, args.repeat, args.seed, Path(tmp))
        if args.pg and fresh_postgres(args.pg):
            lines += run(args.pg, args.responses, args.repeat, args.seed, Path(tmp) / "pg")
    print("\n".join(lines))
    summarise("bench/dashboard.py", lines)


if __name__ == "__main__":
    main()
