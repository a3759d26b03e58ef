"""The one YAML loader: every failure mode is the caller's error class naming the file."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from assistant.answering import guard
from assistant.answering.compose.policy import load_answer_policy
from assistant.answering.query_terms import QueryTerms, load_query_terms
from assistant.answering.verify.policy import VerifyPolicy
from assistant.answering.verify.policy import load_policy as load_verify_policy
from assistant.core.errors import AssistantError, CorpusError, InputError, PolicyError
from assistant.core.policy import WORDS_FILE, load_policy, load_yaml_model
from assistant.core.settings import Settings
from assistant.evaluation.suite import load_suite
from assistant.indexing.boilerplate import BoilerplatePolicy
from assistant.indexing.boilerplate import load_policy as load_boilerplate
from assistant.indexing.ingest import Manifest, load_manifest

REPO = Path(__file__).resolve().parent.parent
POLICIES = REPO / "policies"

#: (file name, model) of real policies; the files in policies/ are valid.
MODELS: list[tuple[str, type[BaseModel]]] = [
    ("verify.yaml", VerifyPolicy),
    ("boilerplate.yaml", BoilerplatePolicy),
    ("query_terms.yaml", QueryTerms),
    ("caveats.yaml", guard.CaveatPolicy),
]

#: Broken file contents and a phrase the message must contain.
BROKEN: list[tuple[bytes | None, str]] = [
    (None, "not found"),
    (b"name: \xff\xfe broken\n", "not UTF-8"),
    (b"name: [unclosed\n", "not valid YAML: line 2"),
    (b"- a\n- list\n", "expected a mapping"),
    (b"just a string\n", "expected a mapping"),
]


def _write(path: Path, content: bytes | None) -> Path:
    if content is not None:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize(("name", "model"), MODELS)
def test_real_policies_load(name: str, model: type[BaseModel]) -> None:
    assert isinstance(load_policy(POLICIES, name, model, "policy"), model)


def test_a_named_word_list_is_written_into_every_pattern_that_uses_it(tmp_path: Path) -> None:
    words = (POLICIES / WORDS_FILE).read_text(encoding="utf-8")
    (tmp_path / WORDS_FILE).write_text(words + "\nkin: [mum, dad]\n", encoding="utf-8")
    (tmp_path / "query_terms.yaml").write_text(yaml.safe_dump(
        {**_real("query_terms.yaml"), "solo": ["\\bmy {=kin}\\b", "plain"]}), encoding="utf-8")
    terms = load_policy(tmp_path, "query_terms.yaml", QueryTerms, "the policy")
    assert terms.solo == ["\\bmy (?:mum|dad)\\b", "plain"]
    assert all("{=" not in p for d in terms.described for p in d.signs)


@pytest.mark.parametrize(("words", "phrase"), [
    (None, "unknown word list {=kin} (known: none: no words.yaml beside it)"),
    ("other: [a]\n", "unknown word list {=kin} (known: other)"),
    ("kin: []\n", "kin has no words"),
    ("kin: ['(unclosed']\n", "regular expression"),
])
def test_a_word_list_problem_names_the_file(tmp_path: Path, words: str | None,
                                            phrase: str) -> None:
    if words is not None:
        (tmp_path / WORDS_FILE).write_text(words, encoding="utf-8")
    (tmp_path / "verify.yaml").write_text(yaml.safe_dump(
        {**_real("verify.yaml"), "drug_suffix_pattern": "{=kin}"}), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path, "verify.yaml", VerifyPolicy, "the policy")
    assert phrase in str(info.value) and str(tmp_path) in str(info.value)


@pytest.mark.parametrize(("name", "model"), MODELS)
@pytest.mark.parametrize(("content", "phrase"), BROKEN)
def test_unreadable_files_name_the_file(tmp_path: Path, name: str, model: type[BaseModel],
                                        content: bytes | None, phrase: str) -> None:
    path = _write(tmp_path / name, content)
    with pytest.raises(PolicyError) as info:
        load_yaml_model(path, model, "the policy")
    message = str(info.value)
    assert str(path) in message and phrase in message and "Traceback" not in message


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "verify.yaml").mkdir()
    with pytest.raises(PolicyError, match=r"cannot read the policy .*verify\.yaml: Is a direct"):
        load_yaml_model(tmp_path / "verify.yaml", VerifyPolicy, "the policy")


def _real(name: str) -> dict[str, object]:
    data = yaml.safe_load((POLICIES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(("name", "model", "change", "field", "problem"), [
    ("verify.yaml", VerifyPolicy, {"min_coverage": 2}, "min_coverage", "less than or equal"),
    ("verify.yaml", VerifyPolicy, {"drug_suffix_pattern": "(oops"}, "drug_suffix_pattern",
     "regular expression"),
    ("verify.yaml", VerifyPolicy, {"colour": "red"}, "colour", "unknown key"),
    ("query_terms.yaml", QueryTerms, {"named_prototypes": []}, "named_prototypes",
     "at least 1 item"),
    ("caveats.yaml", guard.CaveatPolicy, {"caveats": [{"id": "renal"}]}, "caveats.0.label",
     "Field required"),
])
def test_validation_errors_name_file_and_field(tmp_path: Path, name: str,
                                               model: type[BaseModel],
                                               change: dict[str, object], field: str,
                                               problem: str) -> None:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({**_real(name), **change}), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_yaml_model(path, model, "the policy")
    message = str(info.value)
    assert f"the policy {path} is invalid" in message
    assert f"{field}: " in message and problem in message, message


def test_an_empty_file_reports_the_required_fields(tmp_path: Path) -> None:
    path = _write(tmp_path / "verify.yaml", b"")
    with pytest.raises(PolicyError, match=r"verify\.yaml is invalid: name: Field required"):
        load_yaml_model(path, VerifyPolicy, "verification policy")


def test_the_error_class_is_the_callers(tmp_path: Path) -> None:
    path = _write(tmp_path / "manifest.yaml", b"documents: {a.txt: {author: X}}\n")
    with pytest.raises(CorpusError, match=r"documents\.a\.txt\.author: unknown key"):
        load_yaml_model(path, Manifest, "corpus manifest", error=CorpusError)
    with pytest.raises(InputError, match=r"manifest\.yaml"):
        load_yaml_model(path, Manifest, "corpus manifest", error=InputError)


# The real loaders go through the one loader: same messages, their own error classes.

def _settings(policies: Path) -> Settings:
    return Settings(corpus_dir=REPO / "corpus", policies_dir=policies)


LOADERS: list[tuple[str, Callable[[Path], object], type[AssistantError]]] = [
    ("caveats.yaml", lambda d: guard.load_policy(_settings(d)), PolicyError),
    ("verify.yaml", lambda d: load_verify_policy(d / "verify.yaml"), PolicyError),
    ("boilerplate.yaml", lambda d: load_boilerplate(d / "boilerplate.yaml"), PolicyError),
    ("query_terms.yaml", load_query_terms, PolicyError),
    ("manifest.yaml", load_manifest, CorpusError),
    ("suite.yaml", lambda d: load_suite(d / "suite.yaml"), InputError),
]


@pytest.mark.parametrize(("name", "load", "error"), LOADERS)
def test_loaders_use_the_one_loader(tmp_path: Path, name: str, load: Callable[[Path], object],
                                    error: type[AssistantError]) -> None:
    path = _write(tmp_path / name, b"version: [1\n")
    with pytest.raises(error) as info:
        load(tmp_path)
    assert type(info.value) is error
    assert f"{path} is not valid YAML: line 2" in str(info.value)


def test_policy_loaders_read_the_policies_dir(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies)
    assert guard.load_policy(_settings(policies))
    (policies / "caveats.yaml").unlink()
    with pytest.raises(PolicyError, match=re.escape(f"caveat policy not found: {policies}")):
        guard.load_policy(_settings(policies))
    assert Settings().policies_dir == Path("policies")
    assert Settings().chunking.boilerplate_file == Path("policies/boilerplate.yaml")


def test_a_presumed_dose_pattern_must_capture_the_dose(tmp_path: Path) -> None:
    """``presumed_dose`` is compared with the user's numbers by its ``value`` group: a pattern
    without one is refused at load, not a crash on the first answer it matches."""
    (tmp_path / WORDS_FILE).write_text((POLICIES / WORDS_FILE).read_text(encoding="utf-8"),
                                       encoding="utf-8")
    (tmp_path / "answer.yaml").write_text(yaml.safe_dump(
        {**_real("answer.yaml"), "presumed_dose": r"\bthe dose \(\d+ ?mg"}), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"presumed_dose: .*needs a \(\?P<value>"):
        load_answer_policy(tmp_path)
