"""False-removal check on real retrieval: verbatim evidence sentences must pass verification.

For each first-turn question of the fact suite, retrieve the chunks, let the extractive composer
pick its sentences, rewrite them as an "LLM reply" citing the passage numbers they came from,
and verify. A sentence copied from the passage it cites should (almost) always be kept.

    ASSISTANT_INDEX_DIR=... .venv/bin/python benchmarks/llm_verify_extractive.py
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import yaml

    from assistant.answering.compose import ExtractiveComposer, load_answer_policy
    from assistant.answering.verify.claims import parse_reply
    from assistant.answering.verify.verifier import Verifier
    from assistant.core.settings import Settings
    from assistant.retrieval.hybrid import build_retriever

    settings = Settings()
    retriever = build_retriever(settings)
    composer = ExtractiveComposer(retriever.embedder, settings,
                                  load_answer_policy(settings.policies_dir))
    verifier = Verifier.from_settings(settings, retriever.embedder)
    suite = yaml.safe_load((ROOT / "eval/suites/facts.yaml").read_text())
    kept = total = 0
    times = []
    for case in suite["cases"]:
        question = case["turns"][0]["user"]
        chunks = [h.chunk for h in retriever.search(question)]
        draft = composer.generate(question, chunks)
        by_id = {c.id: c for c in draft.citations}
        parts = []
        for sentence, ids in re.findall(r"(.+?)((?:\s*\[\d+\])+)(?:[.!?]|\s|$)", draft.text):
            idx = []
            for cid in re.findall(r"\d+", ids):
                cit = by_id[cid]
                idx += [n + 1 for n, c in enumerate(chunks) if c.source == cit.source
                        and c.start <= cit.start and cit.end <= c.end][:1]
            marks = "".join(f"[{i}]" for i in idx)
            for claim in parse_reply(sentence.strip(" •-\n;"))[0] if idx else []:
                parts.append(f"{claim.text.rstrip('.')} {marks}.")  # a marker on each sentence
        if not parts:
            continue
        t0 = time.perf_counter()
        result = verifier.verify(" ".join(parts), chunks)
        times.append((time.perf_counter() - t0) * 1000)
        kept += result.kept
        total += result.total
        for d in result.decisions:
            if not d.kept:
                print(f"REMOVED ({d.reason}): {d.claim.text[:100]}")
    times.sort()
    print(f"verbatim evidence sentences kept: {kept}/{total}; verify p50 "
          f"{times[len(times) // 2]:.0f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.0f} ms "
          f"over {len(times)} answers")


if __name__ == "__main__":
    main()
