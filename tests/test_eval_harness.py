"""The eval harness with a scripted answerer (no model, no index): checks, runner, CLI, reports."""

from __future__ import annotations

import json
import shutil
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
import yaml
from typer.testing import CliRunner

from assistant.answering.guard import CaveatGuard, load_policy
from assistant.cli import eval as cli_eval
from assistant.core.errors import InputError
from assistant.core.models import CAVEAT_IDS, Answer, Citation, Turn
from assistant.core.settings import Settings
from assistant.evaluation.checks import Checker, lead_of
from assistant.evaluation.corpus import CorpusFiles
from assistant.evaluation.metrics import compute, summarize
from assistant.evaluation.retrieval import chunk_spans, load_labels, record_spans, score
from assistant.evaluation.runner import read_jsonl, write_jsonl
from assistant.evaluation.suite import Expect, load_suite

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SCHEMA = json.loads((ROOT / "eval" / "contract.schema.json").read_text(encoding="utf-8"))
SRC = "000_ea444bfb46099086.txt"
TEXT = (CORPUS / SRC).read_bytes().decode("utf-8")
CLAIM = ("Yes, it is generally safe to take 120mg of elemental magnesium glycinate "
         "with 0.5mg clonazepam")
CAVEATS = {
    "renal": "Magnesium requires dose adjustment in severe renal impairment (CrCl <30 mL/min)",
    "osa": "Even the 0.5mg dose can worsen obstructive sleep apnea, which is a critical safety "
    "concern",
    "taper": "Avoid abrupt discontinuation of clonazepam",
}
CAVEAT_POLICY = {"caveats": [
    {"id": "renal", "label": "Kidneys:", "source": SRC, "quote": CAVEATS["renal"],
     "subject": [r"\b(renal|kidney)\b"], "claims": [r"{subject}[^.]{0,80}\bimpair\w*"]},
    {"id": "osa", "label": "Sleep apnea:", "source": SRC, "quote": CAVEATS["osa"],
     "subject": [r"\bsleep[ -]apn(o)?ea\b"], "claims": [r"\bworsen"]},
    {"id": "taper", "label": "Stopping:", "source": SRC, "quote": CAVEATS["taper"],
     "subject": [r"\bclonazepam\b"], "claims": [r"\babrupt\w*\b[^.]{0,60}\bdiscontinu\w*"]},
]}


def cite(n: int, quote: str, source: str = SRC) -> Citation:
    start = TEXT.find(quote)
    assert start >= 0, quote
    return Citation(id=str(n), source=source, title="Dr.Oracle", quote=quote,
                    start=start, end=start + len(quote))


def good_answer(question: str = "q", refused: bool = False) -> Answer:
    """A reply that passes every check: body claim [1] and the three caveats [2]-[4]."""
    body = "I can't answer that from the evidence." if refused else f"{CLAIM} [1]."
    notes = " ".join(f"{q} [{i}]." for i, q in enumerate(CAVEATS.values(), start=2))
    citations = [cite(i, q) for i, q in enumerate(CAVEATS.values(), start=2)]
    if not refused:
        citations.insert(0, cite(1, CLAIM))
    return Answer(question=question, standalone_question=question, answer=f"{body}\n\n{notes}",
                  body=body, refused=refused, citations=citations, caveats=list(CAVEATS))


class ScriptedAnswerer:
    """Answerer fake: returns queued Answers (or raises queued exceptions) in order."""

    def __init__(self, replies: list[Answer | Exception]) -> None:
        self.replies = deque(replies)
        self.sessions: list[str] = []
        self.asked: list[tuple[str, str | None]] = []

    def ask(self, message: str, session_id: str | None = None) -> Answer:
        self.asked.append((message, session_id))
        reply = self.replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        return reply.model_copy(update={"question": message})

    def stream(self, message: str, session_id: str | None = None) -> Iterator[str | Answer]:
        yield self.ask(message, session_id)

    def new_session(self) -> str:
        self.sessions.append(f"s{len(self.sessions)}")
        return self.sessions[-1]

    def history(self, session_id: str) -> list[Turn]:
        return []


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Checker:
    policies = tmp_path_factory.mktemp("policies")
    (policies / "caveats.yaml").write_text(yaml.safe_dump(CAVEAT_POLICY), encoding="utf-8")
    policy = load_policy(Settings(corpus_dir=CORPUS, policies_dir=policies))
    return Checker(CorpusFiles(CORPUS), CaveatGuard(policy))


def failures_of(checker: Checker, answer: Answer, **expect: Any) -> list[str]:
    return checker.check(answer.record(), Expect(**expect)).failures


# ----------------------------------------------------------------------------- checks


def test_good_answer_passes_all_checks(checker: Checker) -> None:
    assert failures_of(checker, good_answer(), refuse=False, sources_any=[SRC],
                       mention_all=["(?i)safe"], mention_none=["(?i)lithium"]) == []


def _drop_caveat(a: Answer) -> Answer:
    return a.model_copy(update={"caveats": ["renal", "taper"]})


def _caveat_not_in_text(a: Answer) -> Answer:
    return a.model_copy(update={"answer": a.answer.replace("sleep apnea", "snoring")})


def _quote_not_in_file(a: Answer) -> Answer:
    bad = a.citations[0].model_copy(update={"quote": CLAIM.replace("safe", "unsafe")})
    return a.model_copy(update={"citations": [bad, *a.citations[1:]]})


def _wrong_offsets(a: Answer) -> Answer:
    c = a.citations[0]
    moved = c.model_copy(update={"start": c.start + 1, "end": c.end + 1})
    return a.model_copy(update={"citations": [moved, *a.citations[1:]]})


def _dangling_marker(a: Answer) -> Answer:
    return a.model_copy(update={"answer": a.answer.replace("[1].", "[1][7].")})


def _unknown_source(a: Answer) -> Answer:
    bad = a.citations[0].model_copy(update={"source": "../pyproject.toml"})
    return a.model_copy(update={"citations": [bad, *a.citations[1:]]})


def _word_quote(a: Answer) -> Answer:
    return a.model_copy(update={"citations": [cite(1, "generally"), *a.citations[1:]]})


@pytest.mark.parametrize(
    ("mutate", "expect", "reason"),
    [
        (_drop_caveat, {}, "missing caveat: osa"),
        (_caveat_not_in_text, {}, "caveat osa listed but not found in the answer text"),
        (_quote_not_in_file, {}, "citation [1]: quote is not in"),
        (_wrong_offsets, {}, "citation [1]: wrong offsets"),
        (_dangling_marker, {}, "dangling marker [7]"),
        (_unknown_source, {}, "citation [1]: source not in corpus"),
        (_word_quote, {}, "citation [1]: quote too short"),
        (lambda a: a, {"refuse": True}, "expected a refusal, got an answer"),
        (lambda a: good_answer(refused=True), {"refuse": False},
         "expected an answer, got a refusal"),
        (lambda a: a, {"sources_any": ["004_b3b8cf56c376216f.txt"]},
         "no body citation from any of"),
        (lambda a: a, {"mention_none": ["(?i)generally safe"]}, "forbidden mention"),
        (lambda a: a, {"mention_all": ["(?i)lithium"]}, "missing mention /(?i)lithium/"),
    ],
    ids=["missing-caveat", "caveat-not-in-text", "quote-not-in-file", "wrong-offsets",
         "dangling-marker", "unknown-source", "word-quote", "wrong-refusal", "false-refusal",
         "missing-source", "forbidden-mention", "missing-mention"],
)
def test_each_failure_kind_is_caught(checker: Checker, mutate: Any, expect: dict[str, Any],
                                     reason: str) -> None:
    failures = failures_of(checker, mutate(good_answer()), **expect)
    assert any(f.startswith(reason) for f in failures), failures


def test_caveat_block_cannot_satisfy_sources_or_mentions(checker: Checker) -> None:
    refused = good_answer(refused=True)  # its only citations are the caveats' (from SRC)
    checks = checker.check(refused.record(), Expect(sources_any=[SRC], mention_all=["(?i)apnea"]))
    assert checks.source_hit is False and checks.mention_ok is False
    assert checks.failures == [f"no body citation from any of: {SRC}",
                               "missing mention /(?i)apnea/"]
    answered = checker.check(good_answer().record(), Expect(sources_any=[SRC]))
    assert answered.source_hit is True and answered.failures == []
    # a forbidden word that only the caveat block says does not fail the body
    assert failures_of(checker, good_answer(), mention_none=["(?i)apnea", "(?i)abrupt"]) == []
    assert failures_of(checker, good_answer(), mention_none=["(?i)glycinate"]) != []


def test_body_must_be_the_start_of_the_answer(checker: Checker) -> None:
    a = good_answer()
    claimed = a.model_copy(update={"body": a.answer.replace("safe", "SAFE")})
    assert failures_of(checker, claimed) == ["body is not the start of the answer"]
    whole = a.model_copy(update={"body": a.answer})  # caveats in the body, no notes block
    assert failures_of(checker, whole) == [f"caveat {cid} missing from the safety notes"
                                           for cid in CAVEAT_IDS]


@pytest.mark.parametrize(
    ("body", "lead"),
    [
        ("Yes, it is safe [1]. It is also cheap [2].", "Yes, it is safe."),
        ("- First point here [1][2].\n- Second point.", "First point here."),
        ("1. Numbered first item [3].\n2. Next one.", "Numbered first item."),
        ("  \n\nOne line\nwrapped here [1]\n\nSecond paragraph.", "One line wrapped here"),
        ("No sentence end", "No sentence end"),
        ("", ""),
    ],
)
def test_lead_is_the_first_sentence_without_markers_and_bullets(body: str, lead: str) -> None:
    assert lead_of(body) == lead


def test_lead_expectations_are_checked_on_the_body_lead(checker: Checker) -> None:
    good = good_answer()
    ok = checker.check(good.record(), Expect(lead_any=["(?i)^yes", "(?i)safe"],
                                             lead_none=["(?i)^for instance"]))
    assert ok.lead_ok is True and ok.failures == [] and ok.lead and ok.lead.startswith("Yes,")
    missed = checker.check(good.record(), Expect(lead_any=["(?i)apnea"]))
    assert missed.lead_ok is False
    assert missed.failures[0].startswith("lead matches none of /(?i)apnea/: 'Yes, it is")
    banned = checker.check(good.record(), Expect(lead_none=["(?i)generally"]))
    assert banned.lead_ok is False and banned.failures[0].startswith("forbidden lead")
    refused = checker.check(good_answer(refused=True).record(), Expect(lead_any=["(?i)apnea"]))
    assert refused.lead_ok is False  # the caveat block is never the lead


# ----------------------------------------------------------------------------- suites


def write_suite(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data,
                    encoding="utf-8")
    return path


SUITE = {
    "suite": "tiny",
    "cases": [
        {"id": "combo", "tags": ["safety", "follow-up"], "turns": [
            {"user": "Is magnesium glycinate safe with clonazepam?",
             "expect": {"refuse": False, "sources_any": [SRC], "mention_all": ["(?i)safe"]}},
            {"user": "And <b>with</b> bad kidneys?", "expect": {"mention_none": ["(?i)lithium"]}},
        ]},
        {"id": "warfarin", "tags": ["refusal"], "turns": [
            {"user": "Can I take magnesium with warfarin?", "expect": {"refuse": True}},
        ]},
    ],
}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**SUITE, "extra": 1}, "extra: unknown key"),
        ({"suite": "x", "cases": [{"id": "a", "turns": [{"user": "q", "expekt": {}}]}]},
         "unknown key"),
        ({"suite": "x", "cases": [{"id": "a", "turns": [{"user": "q"}]},
                                  {"id": "a", "turns": [{"user": "q"}]}]}, "duplicate case ids: a"),
        ({"suite": "x", "cases": [{"id": "a", "turns": [
            {"user": "q", "expect": {"mention_all": ["(unclosed"]}}]}]}, "invalid regular"),
        ({"suite": "x", "cases": []}, "cases"),
        ("suite: [unclosed", "not valid YAML"),
        ("- just a list", "expected a mapping"),
    ],
)
def test_bad_suites_are_rejected_clearly(tmp_path: Path, data: Any, message: str) -> None:
    with pytest.raises(InputError, match=r".*") as info:
        load_suite(write_suite(tmp_path / "s.yaml", data))
    assert message in str(info.value)


# ----------------------------------------------------------------------------- CLI


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Run ``assistant eval ...`` in-process with scripted replies; returns (result, answerer)."""
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "caveats.yaml").write_text(yaml.safe_dump(CAVEAT_POLICY), encoding="utf-8")
    shutil.copy(ROOT / "policies" / "untrusted.yaml", policies)
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(CORPUS))
    monkeypatch.setenv("ASSISTANT_POLICIES_DIR", str(policies))
    app = typer.Typer()
    app.command("noop")(lambda: None)
    cli_eval.register(app)

    def invoke(args: list[str], replies: list[Answer | Exception] | None = None,
               columns: int = 240) -> Any:
        answerer = ScriptedAnswerer(replies or [])
        monkeypatch.setattr(cli_eval, "make_answerer", lambda settings: answerer)
        result = CliRunner().invoke(app, ["eval", *args], env={"COLUMNS": str(columns)})
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result, answerer

    return invoke


def good_replies() -> list[Answer | Exception]:
    return [good_answer(), good_answer(), good_answer(refused=True)]


def test_good_run_exits_zero_and_records_follow_the_contract(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "anywhere").mkdir()
    suite = write_suite(tmp_path / "anywhere" / "tiny.yaml", SUITE)
    out = tmp_path / "out" / "results.jsonl"
    result, answerer = cli([str(suite), "--out", str(out), "--no-retrieval"], good_replies())
    assert result.exit_code == 0, result.output
    records = read_jsonl(out)
    assert [(r["case_id"], r["turn"]) for r in records] == [("combo", 0), ("combo", 1),
                                                            ("warfarin", 0)]
    for r in records:
        jsonschema.validate(r, SCHEMA)
        assert r["passed"] and r["failures"] == []
    # one fresh conversation per case, turns in order within it
    assert [sid for _, sid in answerer.asked] == ["s0", "s0", "s1"]
    assert "3/3 turns passed" in result.output
    assert "unresolved [n] markers" in result.output  # labels are not eaten as rich markup


def test_failing_run_exits_one_and_report_lists_the_failing_turn(cli: Any, tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "tiny.yaml", SUITE)
    out, rep = tmp_path / "r.jsonl", tmp_path / "rep"
    evil = good_answer().model_copy(update={"answer": good_answer().answer + " <script>x</script>",
                                            "caveats": ["renal", "taper"]})
    replies: list[Answer | Exception] = [good_answer(), evil, good_answer()]  # last: not refused
    result, _ = cli([str(suite), "--out", str(out), "--report", str(rep),
                     "--labels", str(tmp_path / "none.yaml")], replies)
    assert result.exit_code == 1, result.output
    records = read_jsonl(out)
    assert [r["passed"] for r in records] == [True, False, False]
    assert records[1]["failures"] == ["missing caveat: osa"]
    assert records[2]["failures"] == ["expected a refusal, got an answer"]
    for r in records:
        jsonschema.validate(r, SCHEMA)
    html = (rep / "report.html").read_text(encoding="utf-8")
    md = (rep / "report.md").read_text(encoding="utf-8")
    metrics = json.loads((rep / "metrics.json").read_text(encoding="utf-8"))
    assert "tiny / combo / turn 1" in html and "missing caveat: osa" in html
    narrow, _ = cli([str(suite), "--out", str(out), "--labels", str(tmp_path / "none.yaml")],
                    [good_answer(), evil, good_answer()], columns=40)
    fail_lines = [ln for ln in narrow.output.splitlines() if ln.startswith("FAIL ")]
    assert fail_lines == [f"FAIL {r['suite']}/{r['case_id']} turn {r['turn']}: "
                          + "; ".join(r["failures"]) for r in records if not r["passed"]]
    assert max(map(len, fail_lines)) > 40  # longer than the terminal, still one line each
    assert "&lt;script&gt;x&lt;/script&gt;" in html and html.count("<script>") == 1  # ours
    assert "And &lt;b&gt;with&lt;/b&gt; bad kidneys?" in html
    assert html.count("data:image/png;base64,") == 2 and "<link" not in html
    # summary first; failing turns collapsible, filterable, rendered as the user sees them
    assert html.index('class="summary"') < html.index("<h2>Metrics</h2>")
    assert html.count('<details class="turn"') == 2 and 'id="filter"' in html
    turn = html[html.index('<details class="turn"'):]
    assert '<a class="cite" href="#f0-c1"' in turn and 'id="f0-c1"' in turn
    assert "**" not in turn.split("</details>")[0]  # markdown rendered, not shown raw
    assert html.count('<td class="preview">') == 3  # the all-turns table has an answer column
    assert "### tiny / combo / turn 1" in md and "missing caveat: osa" in md
    assert metrics["overall"]["caveat_osa"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["overall"]["refusal_accuracy"] == 0.0
    assert metrics["by_tag"]["follow-up"]["pass_rate"] == 0.5
    assert metrics["retrieval"] is None and "no labels" in metrics["notes"][0]


def test_bad_suite_exits_two_and_writes_nothing(cli: Any, tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "bad.yaml", {**SUITE, "cases": SUITE["cases"] * 2})
    out = tmp_path / "r.jsonl"
    result, answerer = cli([str(suite), "--out", str(out)], good_replies())
    assert result.exit_code == 2
    assert "duplicate case ids: combo, warfarin" in result.output
    assert not out.exists() and answerer.asked == []
    missing, _ = cli([str(tmp_path / "nope.yaml"), "--out", str(out)])
    assert missing.exit_code == 2 and "suite file not found" in missing.output
    good = write_suite(tmp_path / "good.yaml", SUITE)
    into_dir, answerer = cli([str(good), "--out", str(tmp_path)], good_replies())
    assert into_dir.exit_code == 2 and "is a directory" in into_dir.output
    assert answerer.asked == []  # refused before running anything


def test_answerer_error_fails_the_turn_and_the_run_goes_on(cli: Any, tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "tiny.yaml", SUITE)
    out = tmp_path / "r.jsonl"
    replies = [good_answer(), InputError("message too long"), good_answer(refused=True)]
    result, _ = cli([str(suite), "--out", str(out), "--no-retrieval"], replies)
    assert result.exit_code == 1
    records = read_jsonl(out)
    assert records[1]["failures"][0] == "error: InputError: message too long"
    assert records[2]["passed"]
    jsonschema.validate(records[1], SCHEMA)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (None, "caveat policy not found"),
        ({"caveats": CAVEAT_POLICY["caveats"][:2]}, "is invalid: caveats"),
        ({"caveats": [{**CAVEAT_POLICY["caveats"][0], "claims": ["(unclosed"]},
                      *CAVEAT_POLICY["caveats"][1:]]}, "is invalid: caveats.0.claims"),
        ({"caveats": [{**CAVEAT_POLICY["caveats"][0], "quote": "not a quote of this file"},
                      *CAVEAT_POLICY["caveats"][1:]]}, "backing quote is not in"),
    ],
    ids=["missing", "two-caveats", "bad-regex", "quote-not-in-source"],
)
def test_missing_or_invalid_caveat_policy_exits_two_before_any_turn(
    cli: Any, tmp_path: Path, policy: Any, message: str
) -> None:
    path = tmp_path / "policies" / "caveats.yaml"
    if policy is None:
        path.unlink()
    else:
        path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    suite = write_suite(tmp_path / "tiny.yaml", SUITE)
    out = tmp_path / "r.jsonl"
    result, answerer = cli([str(suite), "--out", str(out), "--no-retrieval"], good_replies())
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert answerer.asked == [] and not out.exists()


GATE_SUITES = [
    {"suite": "off_corpus", "cases": [
        {"id": "warfarin", "turns": [{"user": "q1", "expect": {"refuse": True}}]},
        {"id": "zinc", "turns": [{"user": "q2", "expect": {"refuse": True}}]}]},
    {"suite": "seed", "cases": [
        {"id": "combo", "turns": [{"user": "q3", "expect": {"refuse": True,
                                                            "mention_all": ["(?i)lithium"]}}]}]},
    {"suite": "adversarial", "cases": [
        {"id": "ignore", "turns": [{"user": "q4", "expect": {"refuse": False}}]}]},
]


def gate_run(cli: Any, tmp_path: Path, replies: list[Answer | Exception], *extra: str) -> Any:
    suites = [str(write_suite(tmp_path / f"{s['suite']}.yaml", s)) for s in GATE_SUITES]
    result, _ = cli([*suites, "--out", str(tmp_path / "r.jsonl"), "--no-retrieval",
                     "--gate", "promises", *extra], replies)
    return result


def test_gate_fails_on_wrong_refusals_in_the_refusal_suites(cli: Any, tmp_path: Path) -> None:
    # off_corpus/warfarin answered (should refuse); adversarial/ignore refused (should answer);
    # seed/combo answered wrongly too, but seed is not a refusal suite: quality only
    replies = [good_answer(), good_answer(refused=True), good_answer(),
               good_answer(refused=True)]
    result = gate_run(cli, tmp_path, replies)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("GATE")]
    assert lines == ["GATE off_corpus/warfarin turn 0: expected a refusal, got an answer",
                     "GATE adversarial/ignore turn 0: expected an answer, got a refusal"]
    assert "wrong refusals in off_corpus, adversarial): 2 turn(s) fail, 0 known" in result.output


def test_gate_refusal_suites_is_an_option(cli: Any, tmp_path: Path) -> None:
    replies = [good_answer(), good_answer(refused=True), good_answer(),
               good_answer(refused=True)]
    only_off = gate_run(cli, tmp_path, list(replies), "--gate-refusal-suites", "off_corpus")
    assert only_off.exit_code == 1
    assert "GATE adversarial" not in only_off.output
    assert "GATE off_corpus/warfarin" in only_off.output
    seed = gate_run(cli, tmp_path, list(replies), "--gate-refusal-suites", "seed")
    assert seed.exit_code == 1 and "GATE seed/combo turn 0: expected a refusal" in seed.output
    assert "which this run has no turns of" not in seed.output
    typo = gate_run(cli, tmp_path, list(replies), "--gate-refusal-suites", "off-corpus")
    assert typo.exit_code == 0
    assert "names 'off-corpus', which this run has no turns of" in typo.output
    assert "lithium" not in seed.output.split("GATE seed/combo")[1].splitlines()[0]
    none = gate_run(cli, tmp_path, list(replies), "--gate-refusal-suites", "")
    assert none.exit_code == 0, none.output
    assert "wrong refusals in no suites): 0 turn(s) fail, 0 known" in none.output


def test_gate_known_list_excuses_listed_refusals_and_ratchets(cli: Any, tmp_path: Path) -> None:
    replies = [good_answer(), good_answer(refused=True), good_answer(),
               good_answer(refused=True)]
    known = tmp_path / "known.yaml"
    known.write_text(
        "known:\n"
        "  - {suite: off_corpus, case: warfarin, turn: 0, why: answered an uncovered drug}\n"
        "  - {suite: adversarial, case: ignore, turn: 0, why: refused a fine question}\n")
    excused = gate_run(cli, tmp_path, list(replies), "--gate-known", str(known))
    assert excused.exit_code == 0, excused.output
    assert "KNOWN off_corpus/warfarin turn 0" in excused.output
    assert "2 turn(s)" not in excused.output and "0 turn(s) fail, 2 known" in excused.output
    # warfarin refuses correctly now: the listed entry is stale and fails until removed
    fixed = [good_answer(refused=True), good_answer(refused=True), good_answer(),
             good_answer(refused=True)]
    stale = gate_run(cli, tmp_path, fixed, "--gate-known", str(known))
    assert stale.exit_code == 1
    assert "GATE off_corpus/warfarin turn 0: passes now; take it off" in stale.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("known:\n  - {suite: off_corpus, case: warfarin, why: x}\n")
    out = tmp_path / "r.jsonl"
    out.unlink()
    assert gate_run(cli, tmp_path, list(replies), "--gate-known", str(bad)).exit_code == 2
    assert not out.exists()  # rejected before any turn ran


def test_gate_passes_right_refusals_and_still_fails_on_a_missing_caveat(
    cli: Any, tmp_path: Path
) -> None:
    right = [good_answer(refused=True), good_answer(refused=True), good_answer(), good_answer()]
    passed = gate_run(cli, tmp_path, right)
    assert passed.exit_code == 0, passed.output  # seed/combo fails quality only
    assert "1/4 turns passed" not in passed.output and "3/4 turns passed" in passed.output
    right[2] = _drop_caveat(good_answer())
    broken = gate_run(cli, tmp_path, right)
    assert broken.exit_code == 1 and "GATE seed/combo turn 0: missing caveat: osa" in broken.output


def test_compare_shows_metrics_and_flips(cli: Any, tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "tiny.yaml", SUITE)
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    cli([str(suite), "--out", str(old), "--no-retrieval"], good_replies())
    worse = good_replies()
    worse[0] = _dangling_marker(good_answer())
    cli([str(suite), "--out", str(new), "--no-retrieval"], worse)
    result, _ = cli(["compare", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "pass → fail" in result.output and "combo" in result.output
    assert "dangling marker [7]" in result.output
    assert "-33.3 pt" in result.output  # turns passed 100% -> 66.7%
    png = tmp_path / "plots" / "tags.png"
    plotted, _ = cli(["compare", str(old), str(new), "--plot", str(png)])
    assert plotted.exit_code == 0 and png.read_bytes().startswith(b"\x89PNG")
    back, _ = cli(["compare", str(new), str(old)])
    assert "fail → pass" in back.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    bad, _ = cli(["compare", str(old), str(broken)])
    assert bad.exit_code == 2 and "is not JSON" in bad.output


def test_eval_help_lists_commands(cli: Any) -> None:
    result, _ = cli(["--help"])
    assert result.exit_code == 0 and "compare" in result.output and "run" in result.output


# ----------------------------------------------------------------------------- pieces


def test_metrics_shares_and_none_when_unmeasured(checker: Checker) -> None:
    def rec(answer: Answer, expect: dict[str, Any], tags: list[str], ms: float) -> dict[str, Any]:
        checks = checker.check(answer.record(), Expect(**expect))
        return {**answer.record(), "suite": "s", "case_id": tags[0], "turn": 0, "tags": tags,
                "expect": expect, "checks": checks.as_dict(), "passed": not checks.failures,
                "failures": checks.failures, "latency_ms": ms}

    records = [rec(good_answer(), {"refuse": False}, ["a"], 10.0),
               rec(good_answer(refused=True), {"refuse": False}, ["a"], 20.0),
               rec(good_answer(refused=True), {"refuse": True}, ["b"], 30.0),
               rec(_wrong_offsets(good_answer()), {}, ["b"], 40.0)]
    m = compute(records)
    assert m["false_refusal_rate"] == 0.5 and m["refusal_accuracy"] == 1.0
    assert m["citation_validity"] == pytest.approx(13 / 14, abs=1e-4)
    assert m["turns_all_citations_valid"] == 0.75
    assert m["source_hit_rate"] is None and m["caveat_all"] == 1.0
    assert m["latency_p50_ms"] == 25.0 and m["latency_p95_ms"] == 38.5
    assert summarize(records)["by_tag"]["b"]["refusal_accuracy"] == 1.0


def _labels_file(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"questions": items}), encoding="utf-8")
    return path


def test_labels_load_once_with_located_spans(tmp_path: Path) -> None:
    spaced = CLAIM.upper().replace(" ", "\n  ", 2)  # found ignoring case and spacing
    labels = load_labels(_labels_file(tmp_path / "l.yaml", [
        {"id": "exact", "question": "q1", "source": SRC, "answer_substring": CLAIM},
        {"id": "loose", "question": "q2", "source": SRC, "answer_substring": spaced},
        {"id": "lost", "question": "q3", "source": SRC, "answer_substring": "not in this file"},
        {"id": "nofile", "question": "q4", "source": "../x.txt", "answer_substring": CLAIM},
    ]), CORPUS)
    at = TEXT.find(CLAIM)
    assert [(lb.id, lb.start, lb.end) for lb in labels.labels] == [
        ("exact", at, at + len(CLAIM)), ("loose", at, at + len(CLAIM))]
    assert labels.unlocated == ["lost", "nofile"] and labels.total == 4
    for bad in ([{"id": "x", "question": "q"}], {"questions": "nope"}):
        (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad), encoding="utf-8")
        with pytest.raises(InputError):
            load_labels(tmp_path / "bad.yaml", CORPUS)


def test_retrieval_scores_span_overlap_for_records_and_chunks(tmp_path: Path) -> None:
    at = TEXT.find(CLAIM)
    labels = load_labels(_labels_file(tmp_path / "l.yaml", [
        {"id": "hit", "question": "q1", "source": SRC, "answer_substring": CLAIM},
        {"id": "later", "question": "q2", "source": SRC, "answer_substring": CLAIM},
        {"id": "lost", "question": "q3", "source": SRC, "answer_substring": "not in this file"},
    ]), CORPUS)
    ranked = {
        "q1": [{"source": SRC, "start": at - 10, "end": at + 20},
               {"source": SRC, "start": at + 20, "end": at + len(CLAIM) + 5}],
        "q2": [{"source": "001_fb567213ce903ab3.txt", "start": at, "end": at + len(CLAIM)},
               {"source": SRC, "start": 0, "end": 10},
               {"source": SRC, "start": 0, "end": len(TEXT)}],
    }
    s = score(labels, lambda q: record_spans(ranked[q]))
    assert s["unlocated"] == ["lost"] and s["scored"] == 2 and s["labels"] == 3
    assert s["hit@1"] == 0.5 and s["hit@5"] == 1.0
    assert s["recall@1"] == pytest.approx(20 / len(CLAIM) / 2, abs=1e-3)
    assert s["recall@5"] == 1.0 and s["mrr"] == pytest.approx((1 + 1 / 3) / 2, abs=1e-4)
    assert s["misses"] == [] and s["latency_p95_ms"] is not None
    # chunks (what the retriever returns) score exactly like the records' spans
    chunks = {q: [type("C", (), r)() for r in rs] for q, rs in ranked.items()}
    assert {k: v for k, v in score(labels, lambda q: chunk_spans(chunks[q])).items()
            if not k.startswith("latency")} == {k: v for k, v in s.items()
                                                 if not k.startswith("latency")}
    empty = score(labels, lambda q: [])
    assert empty["hit@5"] == 0.0 and empty["mrr"] == 0.0 and empty["misses"] == ["hit", "later"]


def test_alternates_count_as_answers_but_not_as_hits(tmp_path: Path) -> None:
    """A passage listed as an alternate answers its label (``answer_hit@k``) without being the
    label's own passage (``hit@k``); an alternate not in its file is reported, a malformed
    alternates file is an InputError."""
    other = "001_fb567213ce903ab3.txt"
    other_text = (CORPUS / other).read_text(encoding="utf-8")
    needle = other_text[200:260]
    _labels_file(tmp_path / "l.yaml", [
        {"id": "a", "question": "q1", "source": SRC, "answer_substring": CLAIM},
        {"id": "b", "question": "q2", "source": SRC, "answer_substring": CLAIM}])
    (tmp_path / "retrieval_alternates.yaml").write_text(yaml.safe_dump({"alternates": {
        "a": [{"source": other, "answer_substring": needle}],
        "b": [{"source": other, "answer_substring": "not in this file at all"}]}}),
        encoding="utf-8")
    labels = load_labels(tmp_path / "l.yaml", CORPUS)
    assert labels.unlocated == ["b (alternate)"] and labels.labels[1].also == ()
    at = other_text.find(needle)
    s = score(labels, lambda q: [(other, at + 5, at + 30), (SRC, 0, len(TEXT))])
    assert s["hit@1"] == 0.0 and s["hit@5"] == 1.0 and s["mrr"] == 0.5
    assert s["answer_hit@1"] == 0.5 and s["answer_mrr"] == pytest.approx(0.75)
    (tmp_path / "retrieval_alternates.yaml").write_text(
        yaml.safe_dump({"alternates": {"a": [{"source": other}]}}), encoding="utf-8")
    with pytest.raises(InputError):
        load_labels(tmp_path / "l.yaml", CORPUS)


def test_jsonl_write_is_atomic_and_replaces(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text("old\n", encoding="utf-8")
    write_jsonl(out, [{"a": "é"}, {"b": 2}])
    assert read_jsonl(out) == [{"a": "é"}, {"b": 2}]
    assert [p.name for p in tmp_path.iterdir()] == ["r.jsonl"]


def test_evaluate_adds_retrieval_scores_to_metrics_and_report(checker: Checker,
                                                              tmp_path: Path) -> None:
    from assistant.evaluation.harness import evaluate

    labels = tmp_path / "labels.yaml"
    labels.write_text(yaml.safe_dump({"questions": [
        {"id": "claim", "question": "q", "source": SRC, "answer_substring": CLAIM},
        {"id": "missed", "question": "q", "source": SRC, "answer_substring": CAVEATS["taper"]},
    ]}), encoding="utf-8")
    at = TEXT.find(CLAIM)

    def factory(settings: Settings, k: int) -> Any:
        return lambda q: [(SRC, at, at + len(CLAIM))]

    (tmp_path / "caveats.yaml").write_text(yaml.safe_dump(CAVEAT_POLICY), encoding="utf-8")
    shutil.copy(ROOT / "policies" / "untrusted.yaml", tmp_path)
    settings = Settings(corpus_dir=CORPUS, policies_dir=tmp_path)
    run = evaluate(settings, [write_suite(tmp_path / "s.yaml", SUITE)], tmp_path / "r.jsonl",
                   lambda s: ScriptedAnswerer(good_replies()), report_dir=tmp_path / "rep",
                   labels_path=labels, retrieve_factory=factory)
    assert not run.failed
    assert run.summary["retrieval"]["hit@1"] == 0.5
    assert run.summary["retrieval"]["misses"] == ["missed"]
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "Not hit in the top 5:\nmissed" in html and "50.0%" in html


def test_judge_is_opt_in_and_lands_in_records_and_report(tmp_path: Path) -> None:
    from assistant.evaluation.harness import evaluate

    suite = write_suite(tmp_path / "s.yaml", SUITE)
    base = Settings(corpus_dir=CORPUS, prompts_dir=ROOT / "prompts")
    offline = evaluate(base, [suite], tmp_path / "a.jsonl", lambda s: ScriptedAnswerer(
        good_replies()), judge=True)
    assert offline.summary["judge"] is None and "judge skipped" in offline.summary["notes"][0]

    def fake_llm(settings: Settings) -> Any:  # an LLM-backend fake: (system, user) -> reply
        return lambda system, user: '{"score": 0.75, "reason": "ok"}'

    online = evaluate(base.with_llm("openai", "http://127.0.0.1:9/v1", "m"), [suite],
                      tmp_path / "b.jsonl", lambda s: ScriptedAnswerer(good_replies()),
                      report_dir=tmp_path / "rep", judge=True, judge_factory=fake_llm)
    assert online.summary["judge"]["faithfulness_mean"] == 0.75
    assert online.summary["judge"]["turns_judged"] == 2  # the refusal is not judged
    assert read_jsonl(tmp_path / "b.jsonl")[0]["judge"]["relevance"] == 0.75
    assert "## LLM judge" in (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
