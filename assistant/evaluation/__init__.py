"""The eval harness: suites in, per-turn JSON Lines results, metrics, reports, comparisons.

Formats are fixed by the eval contract (``eval/contract.schema.json`` describes a result record).
Modules: ``suite`` (load + validate), ``checks`` (per-turn verdicts against the corpus files),
``runner`` (runs suites against an Answerer), ``metrics``, ``retrieval`` (the one label loader
and span scorer: hit@k/recall@k/MRR), ``report`` (Markdown + self-contained HTML),
``compare`` (two runs side by side).
"""
