"""The one place the answering pipeline is put together from its steps.

``build_assistant(settings)`` opens the index and wires the real implementations of the
``core.protocols`` steps: hybrid retriever, condenser (rule-based, or the LLM one with the rules
as fallback), evidence refusal, generator (extractive composer, or an LLM checked by the
verifier), caveat guard and SQL session store, all sharing one cached embedder
(``core.embed_cache``).
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering.antecedent import ReferenceWords
from assistant.answering.bracket_lookup import BracketLookup
from assistant.answering.compose import AnswerPolicy, ExtractiveComposer, load_answer_policy
from assistant.answering.compose.fit import load_answer_fit
from assistant.answering.compose.profile import StandaloneReader
from assistant.answering.condense import Condenser as RuleCondenser
from assistant.answering.condense_llm import LLMCondenser
from assistant.answering.derived import load_unit_vectors, load_words
from assistant.answering.drug_names import load_drug_names
from assistant.answering.facts import CorpusFacts
from assistant.answering.framing import CreativeFraming
from assistant.answering.generators import make_generator
from assistant.answering.guard import CaveatGuard
from assistant.answering.kind_lookup import KindLookup, RiskLookup
from assistant.answering.language import LanguageReader
from assistant.answering.limit_lookup import LimitLookup
from assistant.answering.pipeline import Assistant
from assistant.answering.query_terms import QueryTerms, load_query_terms
from assistant.answering.refusal import EvidenceRefusal
from assistant.answering.second_opinion import SecondOpinion
from assistant.answering.sessions import SqlSessionStore
from assistant.answering.subjects import (
    core_names,
    core_subjects,
    subject_classes,
    subject_forms,
)
from assistant.answering.vocabulary import NAMED_ZIPF, CorpusVocabulary
from assistant.core.embed_cache import CachedEmbedder
from assistant.core.models import Hit
from assistant.core.protocols import Condenser, Generator, MoreEvidence
from assistant.core.settings import Settings
from assistant.retrieval.hybrid import build_retriever


def build_assistant(settings: Settings) -> Assistant:
    """The real pipeline for these settings (the index must exist)."""
    from assistant.indexing.embed import get_embedder

    # One cached embedder for every step: ``prefetch`` embeds the question (and the words the
    # refusal check may judge) in one call before retrieval; the retriever's, the composer's
    # and the vocabulary's requests are then cache hits, not model forward passes.
    embedder = CachedEmbedder(get_embedder(settings), settings.embedding.cache_size)
    retriever = build_retriever(settings, embedder)
    facts = CorpusFacts.load(retriever.derived)
    saved = load_words(retriever.derived)  # saved with the index version (answering.derived)
    drugs = load_drug_names(retriever.derived)
    chunks = retriever.chunks if facts is None or saved is None else []
    if facts is None:
        facts = CorpusFacts.from_chunks(settings, chunks)
    titles, openings = facts.titles, facts.openings
    vocab = CorpusVocabulary(openings + ([c.embed_text for c in chunks] if saved is None else []),
                             load_query_terms(settings.policies_dir), embedder.embed,
                             known_words=saved or (),
                             drug_names=drugs.other, medicines_elsewhere=drugs.elsewhere,
                             headlines=[*titles.values(), *openings])
    synonyms = vocab.terms.synonyms if vocab.terms else None
    core = core_subjects([*titles.values(), *openings], [], synonyms, facts.subject_pairs)
    classes = subject_classes(core, facts.class_pairs, synonyms)
    names = core_names(core, facts.subject_pairs, synonyms)
    answer_policy = load_answer_policy(settings.policies_dir)
    forms = subject_forms(core, [*titles.values(), *openings], synonyms)
    extractive = ExtractiveComposer(embedder, settings, answer_policy,
                                    core, stored=load_unit_vectors(retriever.derived),
                                    classes=classes,
                                    forms=forms,
                                    names=names,
                                    pairing=vocab.terms.pairing if vocab.terms else (),
                                    medicines=drugs.medicines,
                                    fit=load_answer_fit(settings.policies_dir,
                                                        settings.embedding.model))

    def prefetch(questions: list[str]) -> None:
        """The answer's one forward pass: its question (and the asked part of a framed one),
        as the retriever embeds them (with their aliases) and as written, with the words the
        refusal check may judge, in one call; every later step finds them in the shared
        cache."""
        searched = [retriever.expand(q) for q in questions]
        embedder.embed(list(dict.fromkeys(questions + searched))
                       + vocab.pending(" ".join(questions), NAMED_ZIPF))

    reader = LanguageReader(vocab)
    terms = vocab.terms
    framing = CreativeFraming(terms.creative, terms.creative_preface) \
        if terms and terms.creative else None
    generator: Generator = extractive
    condenser: Condenser = RuleCondenser(vocab, core,
                                             ReferenceWords.from_policy(answer_policy))
    if settings.llm.generator != "extractive":
        generator = make_generator(settings, embedder=embedder, extractive=extractive)
        condenser = LLMCondenser(settings, fallback=condenser)
    return Assistant(
        settings, retriever=retriever, generator=generator,
        guard=CaveatGuard.from_settings(settings, titles), condenser=condenser,
        refusal=EvidenceRefusal(vocab, settings, core, forms),
        sessions=SqlSessionStore.from_settings(settings),
        titles=titles, warmers=[vocab.warm_up, reader.warm_up, extractive.warm_up], reader=reader,
        prefetch=prefetch, framing=framing,
        more_evidence=_more_evidence(terms, answer_policy, extractive, retriever.search))


def _more_evidence(terms: QueryTerms | None, policy: AnswerPolicy,
                   composer: ExtractiveComposer, search: Callable[[str], list[Hit]]
                   ) -> list[MoreEvidence]:
    """What a question's search is completed with: the other source on a stated condition
    (``second_opinion``), the upper limit of a dose given (``limit_lookup``), the row of the
    person's age or weight (``bracket_lookup``), evidence of the kind asked or on the condition
    stated (``kind_lookup``)."""
    more: list[MoreEvidence] = []
    if terms is not None:
        more.append(SecondOpinion(terms.conditions, search, evidence=[
            (r.user, r.evidence) for r in policy.risks
            if r.lasting and not r.bracket_unit and r.leads == "always"]))
    limit = policy.kind_named("limit")
    if limit is not None and policy.limit_query:
        more.append(LimitLookup(policy.limit_query, limit.evidence, composer.core_subject,
                                search))
    read = StandaloneReader(policy, composer.core)  # one reading of a question for both
    if policy.bracket_query and policy.bracket_kinds:
        more.append(BracketLookup(read, composer.core_subject, search))
    if any(k.query for k in policy.kinds):
        more.append(KindLookup(read, search))
    if any(r.query for r in policy.risks):
        more.append(RiskLookup(read, search))
    return more
