"""The CI gate fails on broken promises (caveats, citations, markers, body) and on wrong refusals
in the refusal suites, not on answer quality."""

from __future__ import annotations

from pathlib import Path

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


# --- the known-failures ratchet ------------------------------------------------------------

def _rec(suite: str, case: str, failures: list[str]) -> dict[str, object]:
    return {"suite": suite, "case_id": case, "turn": 0, "failures": failures,
            "passed": not failures}


def test_known_wrong_refusals_are_excused_but_never_promise_breaks() -> None:
    from assistant.evaluation.known import KnownFailure, KnownFailures, apply_known

    known = KnownFailures(known=[
        KnownFailure(suite="off_corpus", case="a", why="answered an uncovered topic"),
        KnownFailure(suite="off_corpus", case="b", why="answered an uncovered topic"),
        KnownFailure(suite="off_corpus", case="c", why="answered an uncovered topic")])
    a = _rec("off_corpus", "a", ["expected a refusal, got an answer"])
    b = _rec("off_corpus", "b", ["expected a refusal, got an answer", "missing caveat: taper"])
    c = _rec("off_corpus", "c", [])  # listed, but refuses correctly now
    d = _rec("off_corpus", "d", ["expected a refusal, got an answer"])  # new, not listed
    ratchet = apply_known([a, b, c, d], failures=[a, b, d], promise_broken=[b], known=known)
    assert ratchet.excused == [a]
    assert ratchet.failing == [b, d]
    assert [k.case for k in ratchet.stale] == ["c"]


def test_the_repo_known_list_is_valid_and_only_names_refusal_suites() -> None:
    from assistant.evaluation.known import load_known
    from assistant.evaluation.suite import load_suites

    root = Path(__file__).resolve().parent.parent
    known = load_known(root / "eval" / "gate_known.yaml")
    suites = {s.suite: s for s in load_suites(sorted((root / "eval" / "suites").glob("*.yaml")))}
    for k in known.known:
        assert k.suite in ("off_corpus", "adversarial")
        case = next(c for c in suites[k.suite].cases if c.id == k.case)
        assert case.turns[k.turn].expect.refuse is not None
