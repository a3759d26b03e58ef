"""The CI gate fails on broken promises (caveats, citations, markers, body) and on wrong refusals
in the refusal suites, not on answer quality."""

from __future__ import annotations

from assistant.evaluation.harness import EvalRun, gate_reasons


def _run(*failures: list[str], suite: str = "seed") -> EvalRun:
    return EvalRun(records=[{"suite": suite, "passed": not f, "failures": f} for f in failures],
                   summary={})


WRONG_REFUSALS = (["expected a refusal, got an answer"], ["expected an answer, got a refusal"])


def test_quality_misses_do_not_break_the_gate() -> None:
    run = _run([], ["missing mention /30/"], ["forbidden lead /x/ (matched 'x')"],
               *WRONG_REFUSALS, ["no body citation from any of: 000_ea444bfb46099086.txt"])
    assert len(run.failed) == 5
    assert run.broken_promises == []
    assert run.gate_failures(("off_corpus", "adversarial")) == []


def test_each_promise_failure_breaks_the_gate() -> None:
    kinds = [["missing caveat: osa"], ["caveat renal listed but not found in the answer text"],
             ["dangling marker [4]: no citation with that id"],
             ["citation [2]: quote is not the file text at 10-40"], ["error: boom"],
             ["body is not the start of the answer"]]
    assert len(_run(*kinds).broken_promises) == len(kinds)
    assert len(_run(*kinds).gate_failures(())) == len(kinds)


def test_wrong_refusals_break_the_gate_only_in_the_refusal_suites() -> None:
    for suite in ("off_corpus", "adversarial"):
        run = _run([], *WRONG_REFUSALS, ["missing mention /30/"], suite=suite)
        assert run.broken_promises == []
        assert len(run.gate_failures(("off_corpus", "adversarial"))) == 2
        assert run.gate_failures(("seed",)) == []
    mixed = {"suite": "off_corpus", "failures": ["missing mention /x/", *WRONG_REFUSALS[0]]}
    assert gate_reasons(mixed, ("off_corpus",)) == WRONG_REFUSALS[0]
