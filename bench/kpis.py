"""Time the full KPI report against a bare GROUP BY over the same answer table.

Generates ``--responses`` responses (default 1,000,000) across 4 waves (annual
parent/carer, pulse, annual parent/carer, young person) with realistic answer
rows (segments, six KPI ratings, some comments), bulk-loaded with COPY into
PostgreSQL and with ``executemany`` into a temporary SQLite file. Then, in the
same run and on the same tables, it times

* the full KPI report: :func:`feedback.services.kpi_results.kpi_report`
  (SQL counts, baselines, targets, status, direction, trend, suppression);
* the bare query ``SELECT kpi, wave_id, count(*) FROM answer GROUP BY kpi, wave_id``;

and prints both (best of ``--repeat``) and their ratio. Prints figures; asserts nothing.

    python bench/kpis.py [--responses 1000000] [--pg postgresql://postgres@127.0.0.1/kpibench]
                         [--no-pg] [--no-sqlite] [--repeat 3] [--seed 1]

The PostgreSQL database is created if missing and its tables are replaced.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.common import summarise  # noqa: E402
from feedback.db import Base, make_engine  # noqa: E402
from feedback.models import Answer, Response, Survey, Wave, WaveKind, WaveStatus  # noqa: E402
from feedback.queries.kpis import explain_kpi_counts  # noqa: E402
from feedback.services.kpi_results import kpi_report, report_waves  # noqa: E402
from feedback.services.kpis import seed_baselines  # noqa: E402
from feedback.services.surveys import load_definitions  # noqa: E402
from surveys.loader import load_all  # noqa: E402

BARE = "SELECT kpi, wave_id, count(*) FROM answer GROUP BY kpi, wave_id"

WAVES = (  # code, name, survey slug, kind, close date, share of responses
    (
        "annual-2019",
        "Annual survey 2019",
        "parent-carer-annual",
        WaveKind.ANNUAL,
        "2019-12-18",
        0.3,
    ),
    ("pulse-2020", "Pulse survey June 2020", "kpi-pulse", WaveKind.PULSE, "2020-06-30", 0.2),
    (
        "annual-2020",
        "Annual survey 2020",
        "parent-carer-annual",
        WaveKind.ANNUAL,
        "2020-12-18",
        0.3,
    ),
    ("yp-2020", "Young people 2020", "young-person", WaveKind.ANNUAL, "2020-12-18", 0.2),
)
TABLES = (
    "survey",
    "survey_version",
    "wave",
    "draft",
    "response",
    "answer",
    "user_account",
    "audit_event",
    "kpi_baseline",
    "kpi_milestone",
    "kpi_commentary",
    "other_kpi_value",
    "data_version",
)
COMMENT = "Waiting lists are still too long and nobody rings back."


def _setup(engine) -> dict[str, int]:
    """Fresh schema, the three surveys, the seeded baselines and four closed waves."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    # Only the tables the report reads, so unrelated models cannot get in the way.
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[t] for t in TABLES])
    with Session(engine) as session:
        load_definitions(session, load_all())
        ids = {}
        for code, name, slug, kind, closes, _share in WAVES:
            survey = session.query(Survey).filter_by(slug=slug).one()
            close = datetime.fromisoformat(closes)
            wave = Wave(
                code=code,
                name=name,
                version=survey.latest,
                kind=kind,
                status=WaveStatus.CLOSED,
                opens_at=close - timedelta(days=34),
                closes_at=close,
                population_note=survey.latest.definition.population,
            )
            session.add(wave)
            session.flush()
            ids[code] = wave.id
        session.commit()
        seed_baselines(session)
    return ids


def _rows(wave_ids: dict[str, int], total: int, seed: int):
    """Yield (response tuple, [answer tuples]) without ids' clashes; ids are assigned here."""
    rng = random.Random(seed)
    definitions = load_all()
    response_id = answer_id = 0
    for code, _name, slug, _kind, closes, share in WAVES:
        definition = definitions[slug]
        wave_id = wave_ids[code]
        when = datetime.fromisoformat(closes) - timedelta(days=3)
        questions = [q for q in definition.questions if q.type == "choice"]
        for _ in range(int(total * share)):
            response_id += 1
            picked = {}
            answers = []
            for q in questions:
                if not q.required and rng.random() < 0.2:
                    continue
                option = q.options[
                    min(int(rng.random() ** 0.8 * len(q.options)), len(q.options) - 1)
                ]
                if q.segment:
                    picked[q.segment] = option.maps_to or option.code
                answer_id += 1
                answers.append((answer_id, response_id, wave_id, q.id, q.kpi, option.code, None))
                if q.comment_id and rng.random() < 0.2:
                    answer_id += 1
                    answers.append(
                        (answer_id, response_id, wave_id, q.comment_id, q.kpi, None, COMMENT)
                    )
            late = rng.random() < 0.02
            response = (
                response_id,
                wave_id,
                f"B{response_id:09d}",
                "paper" if rng.random() < 0.1 else "online",
                definition.respondent_type or picked.get("respondent_type"),
                picked.get("ehcp_status"),
                picked.get("age_band"),
                picked.get("locality"),
                picked.get("setting"),
                when,
                when.date(),
                late,
                not late or rng.random() < 0.5,
            )
            # Each answer repeats its response's included, segments and channel.
            copies = (response[12], *response[4:8], response[3])
            yield response, [a + copies for a in answers]


RESPONSE_COLUMNS = (
    "id, wave_id, reference, channel, respondent_type, ehcp_status, age_band, locality, "
    "setting, submitted_at, received_on, is_late, included"
)
ANSWER_COLUMNS = (
    "id, response_id, wave_id, question_id, kpi, option_code, text, "
    "included, respondent_type, ehcp_status, age_band, locality, channel"
)


def _drop_indexes(conn) -> list:
    indexes = [*Answer.__table__.indexes, *Response.__table__.indexes]
    for index in indexes:
        index.drop(conn)
    return indexes


def _load_postgres(engine, wave_ids, total, seed) -> None:
    def csv_field(v):
        if v is None:
            return "\\N"
        if isinstance(v, bool):
            return "t" if v else "f"
        return str(v)

    with engine.begin() as conn:
        indexes = _drop_indexes(conn)
        # Bulk load without per-row foreign-key triggers (the generator keeps ids consistent).
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            responses, answers = io.StringIO(), io.StringIO()

            def flush():
                for buf, table, cols in (
                    (responses, "response", RESPONSE_COLUMNS),
                    (answers, "answer", ANSWER_COLUMNS),
                ):
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        copy.write(buf.getvalue())
                    buf.seek(0)
                    buf.truncate()

            for count, (response, rows) in enumerate(_rows(wave_ids, total, seed), start=1):
                responses.write("\t".join(csv_field(v) for v in response) + "\n")
                for a in rows:
                    answers.write("\t".join(csv_field(v) for v in a) + "\n")
                if count % 50_000 == 0:
                    flush()
            flush()
        for index in indexes:
            index.create(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _load_sqlite(engine, wave_ids, total, seed) -> None:
    with engine.begin() as conn:
        indexes = _drop_indexes(conn)
        raw = conn.connection.driver_connection
        cur = raw.cursor()
        responses, answers = [], []
        for response, rows in _rows(wave_ids, total, seed):
            responses.append(
                (
                    *response[:9],
                    response[9].isoformat(" "),
                    response[10].isoformat(),
                    *response[11:],
                )
            )
            answers.extend(rows)
            if len(responses) >= 50_000:
                cur.executemany(
                    f"INSERT INTO response ({RESPONSE_COLUMNS}) VALUES ({','.join('?' * 13)})",
                    responses,
                )
                cur.executemany(
                    f"INSERT INTO answer ({ANSWER_COLUMNS}) VALUES ({','.join('?' * 13)})", answers
                )
                responses, answers = [], []
        if responses:
            cur.executemany(
                f"INSERT INTO response ({RESPONSE_COLUMNS}) VALUES ({','.join('?' * 13)})",
                responses,
            )
            cur.executemany(
                f"INSERT INTO answer ({ANSWER_COLUMNS}) VALUES ({','.join('?' * 13)})", answers
            )
        for index in indexes:
            index.create(conn)
        conn.execute(text("ANALYZE"))


def _time(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def run(label: str, engine, args) -> None:
    print(f"\n== {label}: {args.responses:,} responses across 4 waves")
    start = time.perf_counter()
    wave_ids = _setup(engine)
    loader = _load_postgres if engine.dialect.name == "postgresql" else _load_sqlite
    loader(engine, wave_ids, args.responses, args.seed)
    with engine.connect() as conn:
        n_resp = conn.execute(text("SELECT count(*) FROM response")).scalar()
        n_ans = conn.execute(text("SELECT count(*) FROM answer")).scalar()
    took = time.perf_counter() - start
    print(f"loaded {n_resp:,} responses and {n_ans:,} answer rows in {took:.1f} s")

    with Session(engine) as session:
        plan = explain_kpi_counts(session, report_waves(session))
        uses_index = "ix_answer_wave_kpi_option_segments" in plan
        print(f"KPI count query plan uses ix_answer_wave_kpi_option_segments: {uses_index}")
        if args.plan:
            print(plan)

        def report():
            # The real computation every time: pages keep results until the data change
            # (feedback.cache), so the cached entry point would time a dictionary lookup.
            session.expire_all()
            return kpi_report.uncached(session)

        def bare():
            return session.execute(text(BARE)).all()

        rows = report()  # warm the database's own caches and check it works
        report_times = _time(report, args.repeat)
        bare_times = _time(bare, args.repeat)
        kpi_report(session)  # fill the results cache, then time what a page pays
        cached_times = _time(lambda: kpi_report(session), args.repeat)
    best_report, best_bare = min(report_times), min(bare_times)
    median = statistics.median(report_times)
    print(
        f"full KPI report : best {best_report:.3f} s, median {median:.3f} s ({len(rows)} KPI rows)"
    )
    print(f"bare GROUP BY   : best {best_bare:.3f} s, median {statistics.median(bare_times):.3f} s")
    print(f"cached report   : median {statistics.median(cached_times) * 1000:.2f} ms (same data)")
    print(f"ratio report/bare: {best_report / best_bare:.2f}x")
    r = rows[0]
    print(f"e.g. KPI {r['code']}: n={r['n']} pct={r['pct']} status={r['status']}")
    summarise(
        f"bench/kpis.py ({label}, {args.responses:,} responses)",
        [
            f"full KPI report best {best_report:.3f} s, bare GROUP BY best {best_bare:.3f} s, "
            f"ratio {best_report / best_bare:.2f}x; cached report "
            f"{statistics.median(cached_times) * 1000:.2f} ms"
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument(
        "--pg",
        default=os.environ.get("KPIBENCH_URL", "postgresql://postgres@127.0.0.1:5432/kpibench"),
    )
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plan", action="store_true", help="Print the KPI query plan.")
    args = parser.parse_args()

    if not args.no_pg:
        admin_url, name = args.pg.rsplit("/", 1)
        admin = create_engine(
            admin_url.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
            isolation_level="AUTOCOMMIT",
        )
        try:
            with admin.connect() as conn:
                exists = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).first()
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 - report and carry on with SQLite
            print(f"PostgreSQL unavailable ({exc.__class__.__name__}); skipping it")
        else:
            engine = make_engine(args.pg)
            run("PostgreSQL", engine, args)
            engine.dispose()
        admin.dispose()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/kpibench.db")
            run("SQLite", engine, args)
            engine.dispose()


if __name__ == "__main__":
    main()
