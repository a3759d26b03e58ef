"""The CI gate fails on broken promises (caveats, citations, markers), not on answer quality."""

from __future__ import annotations

from assistant.evaluation.harness import EvalRun


def _run(*failures: list[str]) -> EvalRun:
    return EvalRun(records=[{"passed": not f, "failures": f} for f in failures], summary={})


def test_quality_misses_do_not_break_the_gate() -> None:
    run = _run([], ["missing mention /30/"], ["expected an answer, got a refusal"],
               ["no citation from any of: 000_ea444bfb46099086.txt"])
    assert len(run.failed) == 3
    assert run.broken_promises == []


def test_each_promise_failure_breaks_the_gate() -> None:
    kinds = [["missing caveat: osa"], ["caveat renal listed but not found in the answer text"],
             ["dangling marker [4]: no citation with that id"],
             ["citation [2]: quote is not the file text at 10-40"], ["error: boom"]]
    assert len(_run(*kinds).broken_promises) == len(kinds)
