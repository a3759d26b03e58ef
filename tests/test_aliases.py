"""Query aliases, shorthand and spellings derived from the corpus text (no hand lists)."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.retrieval.aliases import QueryExpander, derive_aliases

# Made-up names, so the rules are tested apart from what the corpus happens to say.
TEXT = (
    "Take Zorblaxin (fentaquine, an analgesic) with food. Quarvex (dretomil) is a sleep aid. "
    "Patients with Chronic Pelvic Ache (CPA) and Loop Diuretics (LD) need care. "
    "Water (hydration) matters and so does sleep (rest). Fentaquine relieves headaches; "
    "fentaquine is taken twice. Fenwick gardens are unrelated. Lingering withdrawal (LAWS) "
    "may follow, as may a late rebound (XYZ) or tired feelings (TIRED)."
)


def test_name_pairs_and_defined_abbreviations_are_read_from_the_text() -> None:
    aliases = derive_aliases([TEXT])
    assert aliases["zorblaxin"] == {"fentaquine"} and "zorblaxin" in aliases["fentaquine"]
    assert aliases["quarvex"] == {"dretomil"} and aliases["dretomil"] == {"quarvex"}
    assert aliases["cpa"] == {"chronic pelvic ache"} and aliases["chronic pelvic ache"] == {"cpa"}
    assert aliases["ld"] == {"loop diuretics"}
    # an acronym with letters of its own: the last two words' initials, in order, in it
    assert aliases["laws"] == {"lingering withdrawal"}
    assert "xyz" not in aliases  # no initial of "late rebound" leads it
    assert "tired" not in aliases  # "f" of "feelings" is no letter of it
    # common words in parentheses are explanations, not aliases
    assert "water" not in aliases and "hydration" not in aliases and "rest" not in aliases


def test_expansion_adds_aliases_and_corrections_but_keeps_the_query() -> None:
    expander = QueryExpander.from_texts([TEXT])
    assert expander.added_terms("is dretomil safe") == ["quarvex"]
    assert expander.added_terms("does CPA hurt") == ["chronic pelvic ache"]
    assert expander.added_terms("i have chronic pelvic ache") == ["cpa"]
    assert expander.correct("fentaqine") == "fentaquine"  # misspelling of a corpus word
    assert expander.added_terms("fentaqine dose")[:1] == ["fentaquine"]
    assert expander.expand("is dretomil safe") == "is dretomil safe quarvex"
    assert expander.correct("fentaquin") is None  # same stem as the corpus word: BM25 matches
    assert expander.expand("nothing to add here") == "nothing to add here"
    assert expander.added_terms("") == [] and expander.added_terms("?!") == []


def test_english_words_are_never_corrected_to_a_corpus_word() -> None:
    expander = QueryExpander.from_texts([TEXT])
    for word in ("garden", "headache", "spinach", "sugar"):
        assert expander.correct(word) is None, word


def test_corpus_aliases_are_written_in_the_corpus(corpus_dir: Path) -> None:
    """Every derived pair is literally 'A (B' in some corpus file, and the corpus yields some."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus_dir.glob("*.txt"))]
    aliases = derive_aliases(texts)
    assert len(aliases) >= 10
    joined = re.sub(r"\s+", " ", " ".join(texts)).lower()
    for left, rights in aliases.items():
        for right in rights:
            assert f"{left} ({right}" in joined or f"{right} ({left}" in joined, (left, right)


def test_aliases_are_also_read_from_each_documents_opening_line(tmp_path: Path) -> None:
    """A page's opening line is in no chunk's text, and may be the only place that gives a
    brand name ("… Clonazepam (Klonopin, a benzodiazepine)?")."""
    from types import SimpleNamespace

    from assistant.retrieval.aliases import QueryExpander

    (tmp_path / "a.txt").write_text("Is 0.5mg of Clonazepam (Klonopin, a benzodiazepine) safe?\n\n"
                                    "Clonazepam can worsen sleep apnea.\n", encoding="utf-8")
    chunk = SimpleNamespace(source="a.txt", text="Clonazepam can worsen sleep apnea.")
    assert QueryExpander.from_texts([chunk.text]).expand("stop klonopin") == "stop klonopin"
    expander = QueryExpander.from_chunks([chunk], tmp_path)
    assert expander.expand("can I stop klonopin") == "can I stop klonopin clonazepam"


def test_an_expander_saved_by_another_derivation_is_derived_again(tmp_path: Path) -> None:
    import json

    from assistant.retrieval.aliases import DERIVATION, EXPANDER_FILE

    QueryExpander.from_texts([TEXT]).save(tmp_path)
    loaded = QueryExpander.load(tmp_path)
    assert loaded is not None and loaded.aliases["laws"] == {"lingering withdrawal"}
    path = tmp_path / EXPANDER_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "derivation": DERIVATION - 1}), encoding="utf-8")
    assert QueryExpander.load(tmp_path) is None
