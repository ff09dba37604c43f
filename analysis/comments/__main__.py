"""``python -m analysis.comments < in.jsonl > out.jsonl``.

Reads one JSON object a line (``id``, ``text``, optional ``respondent`` and
``question``) and writes one result a line, using the default codebook.
Blank lines are skipped; a malformed line stops the run with its line number
rather than silently dropping a comment.
"""

from __future__ import annotations

import json
import sys

from analysis.comments.pipeline import analyse_comment


def main(stdin=None, stdout=None) -> int:
    """Run the pipeline over JSON lines; returns a process exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            result = analyse_comment(record)
        except (json.JSONDecodeError, ValueError) as exc:
            print(f"line {number}: {exc}", file=sys.stderr)
            return 1
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
