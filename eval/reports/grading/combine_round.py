"""Unblinds a blind-grading round (its key.json + grades*.jsonl) and writes figures.txt beside
them: per group, before and after (a turn whose two answers are identical was graded once and
counts for both versions), the changed turns' grades, and every turn graded 1 or 2.

    python combine_round.py ROUND_DIR "NAME=PREFIX[,PREFIX…]" … [--rest NAME]

A turn belongs to the first group one of whose prefixes its id ("probe46/v01-…#0") starts with;
``--rest`` names the group of every other turn (else they are left out). Session 25 on."""
import argparse
import collections
import glob
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("round", type=Path)
    ap.add_argument("groups", nargs="+", help="NAME=PREFIX[,PREFIX…]")
    ap.add_argument("--rest", default="")
    args = ap.parse_args()
    d = args.round
    key = json.loads((d / "key.json").read_text())
    grades = [json.loads(line) for p in sorted(glob.glob(str(d / "grades*.jsonl")))
              for line in Path(p).read_text().splitlines() if line.strip()]
    for g in grades:
        g.update(key[g["token"]])
    groups = [(name, tuple(prefixes.split(","))) for name, _, prefixes in
              (spec.partition("=") for spec in args.groups)]

    def group(i: str) -> str:
        return next((name for name, prefixes in groups if i.startswith(prefixes)), args.rest)

    out = []
    for name in [n for n, _ in groups] + ([args.rest] if args.rest else []):
        gs = [g for g in grades if group(g["id"]) == name]
        for v in ("before", "after"):
            sel = [g for g in gs if g["version"] in (v, "both")]
            n = len(sel)
            if not n:
                continue
            ov = [g["overall"] for g in sel]
            out.append(f"{name} {v}: n={n} mean {sum(ov)/n:.2f}; "
                       f">=4 {sum(o >= 4 for o in ov)/n:.0%}; "
                       f"direct {sum(g['direct'] for g in sel)/n:.0%}; relevance "
                       f"{sum(g['relevance'] for g in sel)/n:.2f}; faithful "
                       f"{sum(g['faithful'] for g in sel)/n:.0%}; refusals "
                       f"{dict(collections.Counter(g['refusal'] for g in sel))}; dist "
                       f"{sorted(collections.Counter(ov).items())}")
    pairs: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for g in grades:
        if g["version"] != "both":
            pairs[g["id"]][g["version"]] = g["overall"]
    out.append("changed turns: " + "; ".join(f"{i} {p.get('before')}->{p.get('after')}"
                                             for i, p in sorted(pairs.items())))
    for g in sorted(grades, key=lambda g: (g["overall"], g["id"])):
        if g["overall"] <= 2:
            out.append(f"  {g['overall']} {g['id']} ({g['version']}): {g['why']}")
    print("\n".join(out))
    (d / "figures.txt").write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
