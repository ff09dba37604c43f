"""Backups taken while families are answering, and the restore drill the README describes."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading

import pytest

from feedback.cli_backup import row_counts
from tests.faults.scratch import (
    add_responses,
    flask_cli,
    postgres_base,
    scratch_database,
)


def test_sqlite_backup_taken_during_submissions_is_consistent_and_restores(tmp_path):
    with scratch_database("sqlite", tmp_path) as url:
        add_responses(url, 5)
        stop = threading.Event()
        written: list[str] = []

        def keep_answering():
            while not stop.is_set():
                written.extend(add_responses(url, 1))

        writer = threading.Thread(target=keep_answering)
        writer.start()
        try:
            out = tmp_path / "backups" / "feedback-backup.db"
            result = flask_cli(["backup", "--out", str(out)], url, tmp_path)
        finally:
            stop.set()
            writer.join(timeout=60)
        assert result.returncode == 0, result.stderr
        assert "backed up to" in result.stdout
        assert oct(out.stat().st_mode & 0o777) == "0o600"
        assert not out.with_name(out.name + "-wal").exists()

        # A consistent snapshot: each response in it has all of its answers.
        backup = sqlite3.connect(out)
        (status,) = backup.execute("PRAGMA integrity_check").fetchone()
        responses = backup.execute("SELECT COUNT(*) FROM response").fetchone()[0]
        sizes = backup.execute(
            "SELECT COUNT(*), COUNT(DISTINCT n) FROM "
            "(SELECT COUNT(*) AS n FROM answer GROUP BY response_id)"
        ).fetchone()
        backup.close()
        assert status == "ok"
        assert 5 <= responses <= 5 + len(written)
        assert sizes == (responses, 1)  # every response has all of its answer rows

        restored = f"sqlite:///{tmp_path / 'restored.db'}"
        result = flask_cli(["restore", "--from", str(out), "--yes"], restored, tmp_path)
        assert result.returncode == 0, result.stderr
        assert row_counts(restored) == row_counts(f"sqlite:///{out}")


def test_backup_refuses_to_overwrite_and_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    with scratch_database("sqlite", tmp_path) as url:
        existing = tmp_path / "already.db"
        existing.write_text("keep me")
        result = flask_cli(["backup", "--out", str(existing)], url, tmp_path)
        assert result.returncode != 0 and "already exists" in result.stderr
        assert existing.read_text() == "keep me"

        result = flask_cli(["restore", "--from", str(existing), "--yes"], url, tmp_path)
        assert result.returncode != 0 and "is not a SQLite database" in result.stderr
        assert row_counts(url)["survey"] == 0  # untouched


def test_restore_asks_before_replacing_the_database(tmp_path):
    with scratch_database("sqlite", tmp_path) as url:
        out = tmp_path / "b.db"
        assert flask_cli(["backup", "--out", str(out)], url, tmp_path).returncode == 0
        result = flask_cli(["restore", "--from", str(out)], url, tmp_path, input="n\n")
        assert result.returncode != 0 and "Aborted" in result.stderr


def test_postgres_restore_drill(tmp_path):
    """The README's drill: pg_dump a live database, restore it into a new one, compare."""
    if not postgres_base():
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pg_dump/pg_restore are missing; CI needs postgresql-client")
        pytest.skip("pg_dump/pg_restore are not installed")
    with scratch_database("postgresql", tmp_path) as live:
        add_responses(live, 12)
        add_responses(live, 5, slug="kpi-pulse")
        dump = tmp_path / "feedback.dump"
        result = flask_cli(["backup", "--out", str(dump)], live, tmp_path)
        assert result.returncode == 0, result.stderr
        with scratch_database("postgresql", tmp_path, schema=False) as fresh:
            result = flask_cli(["restore", "--from", str(dump), "--yes"], fresh, tmp_path)
            assert result.returncode == 0, result.stderr
            before, after = row_counts(live), row_counts(fresh)
            assert after == before
            assert after["response"] == 17 and after["answer"] > 17
