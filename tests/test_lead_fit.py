"""The fitted lead weights (``answering.compose.fit``): the shipped file loads for the configured
model and is validated, the form is what its docstring says, and it takes part in the lead."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.answering.compose import ExtractiveComposer, load_answer_policy
from assistant.answering.compose.fit import FILE_NAME, AnswerFit, LeadFit, load_answer_fit
from assistant.answering.compose.lead import choose_lead
from assistant.answering.compose.profile import read_question
from assistant.answering.compose.scoring import Scored
from assistant.answering.compose.units import Unit
from assistant.core.errors import PolicyError
from assistant.core.models import Chunk
from assistant.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
POLICY = load_answer_policy(ROOT / "policies")
MODEL = Settings().embedding.model


def _fit_text(dimension: int, diagonal: int, model: str = MODEL) -> str:
    row = "[" + ", ".join(["0.1"] * dimension) + "]"
    ones = ", ".join(["1.0"] * diagonal)
    return (f"model: {model}\ndimension: {dimension}\ndiagonal: [{ones}]\n"
            f"question:\n  - {row}\nunit:\n  - {row}\n")


def test_the_shipped_fit_loads_for_the_configured_model() -> None:
    fit = load_answer_fit(ROOT / "policies", MODEL)
    assert fit is not None and fit.dimension == 384


def test_no_file_or_another_model_turns_the_fit_off(tmp_path: Path) -> None:
    assert load_answer_fit(tmp_path, MODEL) is None
    (tmp_path / FILE_NAME).write_text(_fit_text(3, 3, model="another-model"), encoding="utf-8")
    assert load_answer_fit(tmp_path, MODEL) is None
    (tmp_path / FILE_NAME).write_text(_fit_text(3, 3), encoding="utf-8")
    assert load_answer_fit(tmp_path, MODEL) is not None


def test_a_malformed_fit_is_a_policy_error(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text(_fit_text(3, 2), encoding="utf-8")
    with pytest.raises(PolicyError, match="diagonal"):
        load_answer_fit(tmp_path, MODEL)


def test_scores_are_the_diagonal_plus_the_low_rank_form() -> None:
    fit = AnswerFit(LeadFit(model=MODEL, dimension=3, diagonal=[1.0, 2.0, 0.0],
                            question=[[1.0, 0.0, 0.0]], unit=[[0.0, 0.0, 3.0]]))
    q = np.array([1.0, 1.0, 0.5], dtype=np.float32)
    units = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]], dtype=np.float32)
    # unit 1: q·(d∘u) = 1; (Q q)·(W u) = 1 * 0 -> 1; unit 2: 2 + 1 * 3 = 5
    assert fit.scores(q, units).tolist() == pytest.approx([1.0, 5.0])
    assert fit.scores(np.ones(4, dtype=np.float32), np.ones((2, 4), dtype=np.float32)).tolist() \
        == [0.0, 0.0]  # vectors of another model are not read


def _scored(text: str, start: int) -> Scored:
    chunk = Chunk(id=f"a.txt:{start}", source="a.txt", title="a", start=start,
                  end=start + len(text), text=text, embed_text=text)
    unit = Unit(chunk=chunk, rank=0, start=start, end=start + len(text), quote=text, display=text)
    return Scored(unit, 0.6, np.ones(3, dtype=np.float32) / np.sqrt(3))


def test_the_fitted_term_chooses_between_units_the_rules_rate_alike() -> None:
    profile = read_question("how long before bed should I take it?", [], POLICY)
    first = _scored("Magnesium glycinate is a chelated form of magnesium.", 0)
    second = _scored("Take it 30-60 minutes before bed.", 100)
    assert choose_lead([first, second], profile, POLICY).scored.unit.start == 0
    led = choose_lead([first, replace(second, answers=0.2)], profile, POLICY)
    assert led.scored.unit.start == 100


def test_the_composer_rates_real_units_with_the_shipped_fit(embedder) -> None:  # type: ignore[no-untyped-def]
    fit = load_answer_fit(ROOT / "policies", MODEL)
    composer = ExtractiveComposer(embedder, Settings(), POLICY, fit=fit)
    text = ("Optimal: 30-60 minutes before bed. Magnesium is the fourth most abundant mineral in "
            "the body. Magnesium glycinate is gentle on the stomach.")
    chunk = Chunk(id="a.txt:0", source="a.txt", title="Sleep guide", start=0, end=len(text),
                  text=text, embed_text=text)
    scored = composer.select("when should I take magnesium glycinate for sleep?", [chunk])
    values = {s.unit.display: s.answers for s in scored}
    assert len(values) == 3 and len(set(values.values())) == 3  # each unit its own value
    plain = ExtractiveComposer(embedder, Settings(), POLICY).select(
        "when should I take magnesium glycinate for sleep?", [chunk])
    assert all(s.answers == 0.0 for s in plain)  # without the fit the rules alone choose
