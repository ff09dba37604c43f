"""Quality of the comment pipeline on hand-labelled comments.

Scores ``analysis.comments`` on our own held-out set
(``tests/analysis/data/heldout_comments.jsonl``) and, when the shared
evaluation folder is present, on ``../shared/eval/comments_dev.jsonl``, with
the metrics of ``../shared/eval/score.py`` (imported when present, otherwise
a minimal re-implementation of the same figures). Prints figures; asserts
nothing.

    python bench/comments_quality.py [--json] [extra.jsonl ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, str(ROOT))

from analysis.comments.pipeline import analyse_comments  # noqa: E402
from bench.common import summarise  # noqa: E402

HELDOUT = ROOT / "tests" / "analysis" / "data" / "heldout_comments.jsonl"
SHARED = ROOT.parent / "shared" / "eval"
HEADLINE = (
    "theme_micro_f1",
    "theme_macro_f1",
    "sentiment_accuracy",
    "sentiment_macro_f1",
    "pii_char_precision",
    "pii_char_recall",
    "pii_leak_rate",
)


def load(path: Path) -> dict:
    """Rows of a JSON-lines file keyed by id."""
    with path.open(encoding="utf-8") as fh:
        return {row["id"]: row for row in map(json.loads, filter(str.strip, fh))}


def _shared_score():
    """``score`` from ../shared/eval/score.py, or None when it is not there."""
    path = SHARED / "score.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("shared_eval_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def _occurrences(text: str, needle: str):
    start = 0
    while (i := text.find(needle, start)) >= 0:
        yield i
        start = i + 1


def minimal_score(gold: dict, pred: dict) -> dict:
    """The headline figures of score.py, for when the shared scorer is absent."""
    counts: dict[str, Counter] = defaultdict(Counter)
    pairs, tp_c, fp_c, fn_c, leaked, total = [], 0, 0, 0, 0, 0
    for key, g in gold.items():
        p = pred.get(key, {})
        gt, pt = set(g.get("themes", [])), set(p.get("themes", []))
        for t in gt | pt:
            counts[t]["tp"] += t in gt and t in pt
            counts[t]["fp"] += t in pt and t not in gt
            counts[t]["fn"] += t in gt and t not in pt
        pairs.append((g["sentiment"], p.get("sentiment")))
        text = g["text"]
        gs = {
            i
            for item in g.get("pii", [])
            for s in _occurrences(text, item["text"])
            for i in range(s, s + len(item["text"]))
        }
        ps = {i for item in p.get("pii", []) for i in range(item["start"], item["end"])}
        tp_c, fp_c, fn_c = tp_c + len(gs & ps), fp_c + len(ps - gs), fn_c + len(gs - ps)
        for item in g.get("pii", []):
            total += 1
            covered = all(
                i in ps
                for s in _occurrences(text, item["text"])
                for i in range(s, s + len(item["text"]))
            )
            if not covered or item["text"] in p.get("redacted", ""):
                leaked += 1
    per_theme = {t: _f1(c["tp"], c["fp"], c["fn"])[0] for t, c in counts.items()}
    micro = _f1(*(sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn")))[0]
    labels = sorted({g for g, _ in pairs})
    sent_f1 = [
        _f1(
            sum(g == lab and q == lab for g, q in pairs),
            sum(g != lab and q == lab for g, q in pairs),
            sum(g == lab and q != lab for g, q in pairs),
        )[0]
        for lab in labels
    ]
    _, pii_p, pii_r = _f1(tp_c, fp_c, fn_c)
    return {
        "comments": len(gold),
        "theme_micro_f1": round(micro, 3),
        "theme_macro_f1": round(sum(per_theme.values()) / max(1, len(per_theme)), 3),
        "theme_f1": {t: round(v, 3) for t, v in sorted(per_theme.items())},
        "sentiment_accuracy": round(sum(g == q for g, q in pairs) / max(1, len(pairs)), 3),
        "sentiment_macro_f1": round(sum(sent_f1) / max(1, len(sent_f1)), 3),
        "pii_char_precision": round(pii_p, 3),
        "pii_char_recall": round(pii_r, 3),
        "pii_items": total,
        "pii_leak_rate": round(leaked / total, 3) if total else 0.0,
    }


def evaluate(path: Path, scorer=None) -> dict:
    """Run the pipeline over one labelled file and score it."""
    gold = load(path)
    pred = {row["id"]: row for row in analyse_comments(gold.values())}
    return (scorer or minimal_score)(gold, pred)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="more labelled JSON-lines files")
    parser.add_argument("--json", action="store_true", help="print all figures as JSON")
    args = parser.parse_args(argv)
    scorer = _shared_score()
    paths = [HELDOUT]
    if (SHARED / "comments_dev.jsonl").exists():
        paths.append(SHARED / "comments_dev.jsonl")
    paths += args.files
    results = {str(p): evaluate(p, scorer) for p in paths}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"scorer: {'../shared/eval/score.py' if scorer else 'built-in minimal metrics'}")
    for path, result in results.items():
        print(f"\n{path} ({result['comments']} comments)")
        for key in HEADLINE:
            print(f"  {key:<22} {result[key]}")
        worst = sorted(result["theme_f1"].items(), key=lambda kv: kv[1])[:3]
        print("  weakest themes        " + ", ".join(f"{k} {v:.2f}" for k, v in worst))
    summarise(
        "bench/comments_quality.py",
        [
            f"{Path(path).name}: " + ", ".join(f"{key} {result[key]}" for key in HEADLINE)
            for path, result in results.items()
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
