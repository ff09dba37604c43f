"""The JSON-lines command line used to measure quality."""

import io
import json
import subprocess
import sys
from pathlib import Path

from analysis.comments.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def run(lines):
    out = io.StringIO()
    code = main(io.StringIO("".join(json.dumps(x) + "\n" for x in lines)), out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_each_output_line_has_the_agreed_fields():
    code, rows = run(
        [
            {
                "id": "x1",
                "text": "Mr Fairweather never rings back.",
                "respondent": "parent_carer",
                "question": "4/6",
            }
        ]
    )
    assert code == 0
    row = rows[0]
    assert set(row) == {"id", "themes", "evidence", "sentiment", "polarity", "pii", "redacted"}
    assert row["themes"] == ["communication"]
    assert row["sentiment"] == "negative"
    assert row["pii"] == [{"kind": "person_name", "start": 0, "end": 14}]
    assert row["redacted"] == "[name] never rings back."


def test_output_is_deterministic():
    line = {"id": 3, "text": "Great, another letter full of jargon from the SEN team"}
    assert run([line]) == run([line])


def test_missing_text_fails_with_line_number(capsys):
    code, _ = run([{"id": 1}])
    assert code == 1
    assert "line 1" in capsys.readouterr().err


def test_module_runs_as_documented():
    proc = subprocess.run(
        [sys.executable, "-m", "analysis.comments"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=json.dumps({"id": "a", "text": "The taxi was late again"}) + "\n",
        check=True,
    )
    assert json.loads(proc.stdout)["themes"] == ["transport"]
