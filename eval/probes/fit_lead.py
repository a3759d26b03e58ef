"""Fit the lead weights (``policies/lead_fit.yaml``, read by ``assistant.answering.compose.fit``).

    .venv/bin/python eval/probes/fit_lead.py --probes 1-39 [--cv] [--out policies/lead_fit.yaml]

Tuning data only: the probes' answerable turns (their note names the sentence a good answer
leads with, matched as in ``lead_match.py``) and the suites' tune split (a unit is a good lead
when it matches the turn's ``lead_any`` and no ``lead_none``). Every turn is answered with the
fit turned off; the units the lead rules allow (``lead.lead_pool``) and their rule value
(``lead.lead_value``) are kept, except where the evidence on a risk the user states leads (the
fitted term does not choose there). A rank-r bilinear form over the embedding vectors is fitted
so that a softmax over ``rule value + answers(q, u)`` puts its mass on the good leads (L2 on
the form's weights). ``--cv`` prints the lead matches on held-out blocks (probes 1-9, 10-20,
21-30, 31-39 and thirds of the suite turns) at shrinkage 0, 0.5 and 1 instead of writing the
file: it is how rank, L2, epochs, suite weight and shrinkage were chosen (session 23). Needs
torch (installed with sentence-transformers); a dev tool, not part of the product.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
FOLDS = [(1, 9), (10, 20), (21, 30), (31, 39), (100, 100), (101, 101), (102, 102)]


def capture(probes: range) -> list[dict[str, Any]]:
    """One record per answered turn with a label: group, question vector, pool vectors, rule
    values and labels (probes are grouped by number, suite turns as 100-102)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from lead_match import _matches

    import assistant.answering.assembly as assembly
    import assistant.answering.compose.composer as composer
    import assistant.answering.compose.lead as lead
    import assistant.answering.compose.select as select
    from assistant.cli.answer import _assistant

    seen: dict[str, Any] = {}
    closest, pool_of, choose = composer._closest, lead.lead_pool, lead.choose_lead

    def spy_closest(vectors: Any, queries: Any) -> Any:
        seen["q"] = np.array(queries[0])
        return closest(vectors, queries)

    def spy_pool(relevant: Any, profile: Any, policy: Any, *a: Any, **k: Any) -> Any:
        pool, hub, led = pool_of(relevant, profile, policy, *a, **k)
        seen["pool"] = (pool, hub, profile, policy, led is not None)
        return pool, hub, led

    def spy_choose(relevant: Any, profile: Any, policy: Any, shown: Any = frozenset(),
                   *a: Any, **k: Any) -> Any:
        seen["shown"] = shown
        return choose(relevant, profile, policy, shown, *a, **k)

    composer._closest, lead.lead_pool, select.choose_lead = spy_closest, spy_pool, spy_choose
    assembly.load_answer_fit = lambda *a, **k: None  # type: ignore[assignment]  # fit off
    assistant = _assistant(None, None, None)
    records: list[dict[str, Any]] = []

    def ask(case: dict[str, Any], group: int, label: Any) -> None:
        session = assistant.new_session()
        for t, turn in enumerate(case["turns"]):
            seen.clear()
            answer = assistant.ask(turn["user"], session)
            good = label(case, t, turn)
            if good is None or answer.refused or "pool" not in seen or "q" not in seen:
                continue
            pool, hub, profile, policy, risk_led = seen["pool"]
            if risk_led:  # the rules choose among the evidence on a stated risk
                continue
            shown = seen.get("shown", frozenset())
            records.append({"group": group, "q": seen["q"],
                            "V": np.stack([s.vector for s in pool]),
                            "base": np.array([lead.lead_value(replace(s, answers=0.0), profile,
                                                              policy, shown, hub) for s in pool]),
                            "y": np.array([good(s.unit) for s in pool])})

    for i in probes:
        suite = yaml.safe_load((ROOT / f"eval/probes/probe{i}.yaml").read_text())
        notes = json.loads((ROOT / f"eval/probes/probe{i}-notes.json").read_text())

        def by_note(case: dict[str, Any], t: int, _turn: Any, notes: Any = notes) -> Any:
            note = notes.get(f"{case['id']}#{t}", "")
            sentences = re.findall(r'"([^"]{20,})"', note)
            if not sentences or note.startswith(("not covered", "DECLINE")):
                return None
            return lambda unit: _matches(unit.quote, sentences)

        for case in suite["cases"]:
            ask(case, i, by_note)
        print(f"probe{i}: {len(records)} turns", flush=True)
    test = yaml.safe_load((ROOT / "eval/splits.yaml").read_text())["suites"]
    n = 0
    for path in sorted((ROOT / "eval/suites").glob("*.yaml")):
        suite = yaml.safe_load(path.read_text())
        for case in suite["cases"]:
            if case["id"] in set(test.get(suite["suite"], [])):
                continue  # the test split is never used for choices

            def by_lead(_case: Any, _t: int, turn: dict[str, Any]) -> Any:
                expect = turn.get("expect") or {}
                any_, none = expect.get("lead_any") or [], expect.get("lead_none") or []
                if not (any_ or none):
                    return None
                return lambda unit: ((not any_ or any(re.search(p, unit.display) for p in any_))
                                     and not any(re.search(p, unit.display) for p in none))

            ask(case, 100 + n % 3, by_lead)
            n += 1
        print(f"{suite['suite']}: {len(records)} turns", flush=True)
    return records


def fit(records: list[dict[str, Any]], rank: int, l2: float, epochs: int,
        suite_weight: float) -> tuple[Any, ...]:
    import torch

    torch.manual_seed(0)
    data = [(r["group"], *(torch.tensor(r[k], dtype=torch.float32) for k in ("q", "V", "base")),
             torch.tensor(r["y"])) for r in records if r["y"].any() and not r["y"].all()]
    d = data[0][1].shape[0]
    scale = torch.tensor(20.0, requires_grad=True)
    diagonal = torch.zeros(d, requires_grad=True)
    question = (0.01 * torch.randn(d, rank)).requires_grad_()
    unit = (0.01 * torch.randn(d, rank)).requires_grad_()
    optimizer = torch.optim.Adam([scale, diagonal, question, unit], lr=0.01)
    total = sum(suite_weight if g >= 100 else 1.0 for g, *_ in data)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = torch.tensor(0.0)
        for g, q, vectors, base, y in data:
            s = scale * base + vectors @ (q * diagonal) + (vectors @ unit) @ (question.T @ q)
            weight = suite_weight if g >= 100 else 1.0
            loss = loss - weight * torch.logsumexp(torch.log_softmax(s, 0)[y], 0)
        reg = diagonal @ diagonal + (question * question).sum() + (unit * unit).sum()
        (loss / total + l2 * reg).backward()
        optimizer.step()
    return tuple(t.detach().numpy() for t in (scale, diagonal, question, unit))


def hits(params: tuple[Any, ...], records: list[dict[str, Any]], shrink: float) -> int:
    """Held-out lead matches of the fitted form, scored as the product scores it
    (``AnswerFit.scores``)."""
    from assistant.answering.compose.fit import AnswerFit, LeadFit

    scale, diagonal, question, unit = params
    form = AnswerFit(LeadFit(model="cv", dimension=len(diagonal), diagonal=diagonal.tolist(),
                             question=question.T.tolist(), unit=unit.T.tolist()))
    return sum(bool(r["y"][np.argmax(scale * r["base"] + shrink * form.scores(r["q"], r["V"]))])
               for r in records)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--probes", default="1-39")
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--l2", type=float, default=1e-4)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--suite-weight", type=float, default=3.0)
    ap.add_argument("--shrink", type=float, default=0.5)
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "policies/lead_fit.yaml")
    args = ap.parse_args()
    first, last = map(int, args.probes.split("-"))
    records = capture(range(first, last + 1))
    train = (args.rank, args.l2, args.epochs, args.suite_weight)
    if args.cv:
        shrinks = (0.0, 0.5, 1.0)
        got = {shrink: [0, 0] for shrink in shrinks}
        for lo, hi in FOLDS:
            params = fit([r for r in records if not lo <= r["group"] <= hi], *train)
            held = [r for r in records if lo <= r["group"] <= hi]
            for shrink in shrinks:
                got[shrink][lo >= 100] += hits(params, held, shrink)
        for shrink, (probes, suites) in got.items():
            print(f"shrink {shrink}: held-out lead matches probes {probes}, suites {suites} "
                  f"of {len(records)} turns")
        return
    scale, diagonal, question, unit = fit(records, *train)
    k = args.shrink / float(scale)

    def row(xs: Any) -> str:
        return "[" + ", ".join(f"{x:.5g}" for x in xs) + "]"

    from assistant.core.settings import Settings

    lines = ["# Generated by eval/probes/fit_lead.py from tuning data only (see its docstring).",
             "# Do not edit by hand.", f"model: {Settings().embedding.model}",
             f"dimension: {len(diagonal)}",
             f"fitted_on: probes {args.probes} + suites tune split; --rank {args.rank} --l2 "
             f"{args.l2} --epochs {args.epochs} --suite-weight {args.suite_weight} --shrink "
             f"{args.shrink}", "diagonal: " + row(k * diagonal), "question:",
             *("  - " + row(r) for r in (k * question).T), "unit:",
             *("  - " + row(r) for r in unit.T)]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
