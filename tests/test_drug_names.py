"""Other names of the medicines the corpus names (answering.drug_names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.drug_names import (
    DrugNames,
    derive_drug_names,
    load_drug_names,
    save_drug_names,
)
from assistant.answering.query_terms import load_query_terms
from assistant.answering.vocabulary import CorpusVocabulary

ROOT = Path(__file__).resolve().parents[1]


def test_brand_names_map_to_the_generic_the_corpus_uses() -> None:
    drugs = derive_drug_names(["triazolam", "cyclobenzaprine", "clonazepam", "klonopin",
                               "sleep"])
    names = drugs.other
    assert names["halcion"] == "triazolam"
    assert names["flexeril"] == "cyclobenzaprine"
    assert names["rivotril"] == "clonazepam"
    # only medicines the corpus names, and never a name the corpus already uses
    assert "sertraline" not in names and "zoloft" not in names
    assert "klonopin" not in names and "triazolam" not in names
    assert drugs.medicines == {"triazolam", "cyclobenzaprine", "clonazepam", "klonopin"}
    # the medicines the corpus never names, by every name: a word of a message that is one
    # is a medicine, not a word of the user's story
    assert {"metformin", "zoloft", "sertraline", "chamomile"} <= drugs.elsewhere
    assert not {"crawly", "softeners", "gummies", "sleep", "triazolam"} & drugs.elsewhere


def test_the_names_are_saved_and_read_back(tmp_path: Path) -> None:
    names = DrugNames({"halcion": "triazolam"}, frozenset({"triazolam"}),
                      frozenset({"metformin"}))
    save_drug_names(tmp_path, names)
    assert load_drug_names(tmp_path) == names
    assert load_drug_names(tmp_path / "missing") == DrugNames()
    for bad in ("not json", "[1, 2]", '{"other": 3}'):
        (tmp_path / "drug_names.json").write_text(bad, encoding="utf-8")
        assert load_drug_names(tmp_path) == DrugNames()


def _vocab(text: str, names: dict[str, str], elsewhere: frozenset[str] = frozenset()
           ) -> CorpusVocabulary:
    return CorpusVocabulary([text], load_query_terms(ROOT / "policies"), drug_names=names,
                            medicines_elsewhere=elsewhere)


@pytest.mark.parametrize(("message", "repaired"), [
    ("dr gave me Halcion for a flight", "dr gave me Halcion (triazolam) for a flight"),
    ("halcion (triazolam) and magnesium", "halcion (triazolam) and magnesium"),  # glossed
    # a parenthesis that names something else is no gloss
    ("i take 2 benadryl (25mg each) at night",
     "i take 2 benadryl (diphenhydramine) (25mg each) at night"),
    ("benadryl (Diphenhydramine HCl) and magnesium",
     "benadryl (Diphenhydramine HCl) and magnesium"),
])
def test_a_question_gets_the_corpus_name_beside_the_users(message: str, repaired: str) -> None:
    vocab = _vocab("Benzodiazepines (temazepam, triazolam) and antihistamines "
                   "(diphenhydramine) are sedatives.",
                   {"halcion": "triazolam", "benadryl": "diphenhydramine"})
    assert vocab.repair(message) == repaired


def test_a_misspelt_brand_name_gets_the_corpus_name_too() -> None:
    drugs = derive_drug_names(["diphenhydramine", "cyclobenzaprine", "sedatives"])
    vocab = _vocab("Antihistamines (diphenhydramine) and cyclobenzaprine are sedatives.",
                   drugs.other, drugs.elsewhere)
    assert vocab.repair("i take a benadril at night") == \
        "i take a benadril (diphenhydramine) at night"
    assert vocab.repair("got flexiril for my back") == \
        "got flexiril (cyclobenzaprine) for my back"
    # a corpus word misspelt is repaired as before; a medicine the corpus never names, an
    # English word and a word unlike every name stay as they are
    assert vocab.repair("sedativs and zoloft") == "sedatives and zoloft"
    assert vocab.repair("a bendy ruler and blorvax") == "a bendy ruler and blorvax"
    assert vocab.repair("What do Sedatives do?") == "What do Sedatives do?"  # case kept



def test_a_name_spelt_with_the_other_hard_c_is_repaired() -> None:
    drugs = derive_drug_names(["clonazepam", "sedatives"])
    vocab = _vocab("Clonazepam and other sedatives.", drugs.other, drugs.elsewhere)
    assert vocab.repair("GP wants her on klonazapam") == "GP wants her on clonazepam"
    assert vocab.repair("Klonazepam at night") == "clonazepam at night"
    # words of other first sounds are not compared ("lonazepam" is no near spelling here)
    assert vocab.repair("a xlonazepam") == "a xlonazepam"


def test_medicines_elsewhere_may_be_any_iterable() -> None:
    vocab = CorpusVocabulary(["Antihistamines (diphenhydramine) are sedatives."],
                             load_query_terms(ROOT / "policies"),
                             drug_names={"benadryl": "diphenhydramine"},
                             medicines_elsewhere=(m for m in ["benadrol"]))
    assert vocab.medicines_elsewhere == {"benadrol"}
    # a medicine the corpus never names is not read as a misspelt brand of one it names
    assert vocab.repair("i take benadrol") == "i take benadrol"
