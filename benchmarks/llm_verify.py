"""Calibrate ``settings.llm.min_support`` and measure what verification adds per answer.

    .venv/bin/python benchmarks/llm_verify.py

1. Similarity distributions: cosine between a sentence and the best support window of its cited
   passage, for paraphrases that the passage supports vs. on-topic sentences it does not support.
2. Verify-only latency over scripted answers (p50/p95), cold (passage windows not yet embedded)
   and warm (same passages again, e.g. a follow-up turn).
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core.models import Chunk  # noqa: E402
from assistant.core.settings import Settings  # noqa: E402

CORPUS = ROOT / "corpus"

# (file, anchor in the passage, sentence the passage SUPPORTS, in other words)
SUPPORTED = [
    ("000", "Yes, it is generally safe", "Taking 120mg of elemental magnesium glycinate with "
     "0.5mg clonazepam is generally considered safe."),
    ("000", "Yes, it is generally safe", "The combination may give a synergistic anti-anxiety "
     "benefit with little risk of a significant interaction."),
    ("000", "Magnesium enhances benzodiazepine", "Magnesium boosts the effect of benzodiazepines "
     "by acting on GABA receptors."),
    ("000", "The magnesium dose (120mg", "A 120mg dose of magnesium is well under the doses "
     "used for anxiety."),
    ("000", "The clonazepam dose (0.5mg)", "A 0.5mg clonazepam dose sits at the low end of the "
     "therapeutic range."),
    ("000", "Screen for obstructive sleep apnea before", "Clonazepam can make sleep apnea worse "
     "at doses of 0.5-1.0mg."),
    ("000", "Magnesium requires dose adjustment", "In severe kidney impairment with CrCl below "
     "30 mL/min, the magnesium dose needs adjusting."),
    ("000", "Magnesium requires dose adjustment", "If creatinine clearance is reduced, watch "
     "for signs of hypermagnesemia such as muscle weakness and low blood pressure."),
    ("000", "Clonazepam does not require renal", "Clonazepam needs no renal dose adjustment, "
     "but its metabolites can build up in severe kidney disease."),
    ("000", "Avoid abrupt discontinuation", "Clonazepam should not be discontinued abruptly "
     "because physical dependence develops with prolonged use."),
    ("000", "Monitor for excessive sedation", "Watch for too much sedation during the first "
     "2-4 weeks."),
    ("001", "Magnesium plays a supportive role", "Magnesium acts as a natural GABA modulator "
     "and NMDA receptor antagonist."),
    ("001", "Forms matter", "Magnesium glycinate is absorbed better and is gentler on the "
     "stomach than magnesium oxide."),
    ("001", "Medical supervision is non-negotiable", "Tapering benzodiazepines on your own "
     "without supervision risks seizures."),
    ("001", "Start low and slow", "Start with 100-200mg of elemental magnesium a day and "
     "increase it under guidance."),
    ("001", "High-risk groups include", "People with kidney problems should be careful with "
     "magnesium because they excrete it less well."),
    ("002", "For anxiety and insomnia, magnesium glycinate", "Magnesium glycinate at 125-300 mg "
     "with meals and at bedtime improved anxiety and insomnia within 7 days."),
    ("002", "For muscle cramps, magnesium supplementation is NOT", "Magnesium supplements do "
     "not help idiopathic muscle cramps in older adults."),
    ("002", "Minor adverse events, primarily", "Diarrhea and other minor gastrointestinal "
     "effects occur in 11-37% of people taking magnesium."),
    ("002", "A 2024 systematic review found", "Five of eight studies reported better sleep "
     "with magnesium supplementation."),
]

# (file, anchor, ON-TOPIC sentence the passage does NOT support)
UNSUPPORTED = [
    ("000", "Yes, it is generally safe", "Magnesium glycinate should be taken on an empty "
     "stomach to maximise absorption."),
    ("000", "Yes, it is generally safe", "Clonazepam is metabolised mainly by the liver enzyme "
     "CYP3A4."),
    ("000", "Magnesium enhances benzodiazepine", "Magnesium lowers blood pressure in most "
     "healthy adults."),
    ("000", "The magnesium dose (120mg", "Clonazepam can be combined safely with alcohol in "
     "small amounts."),
    ("000", "The clonazepam dose (0.5mg)", "Magnesium glycinate causes weight gain in many "
     "patients."),
    ("000", "Screen for obstructive sleep apnea before", "Magnesium improves bone density in "
     "postmenopausal women."),
    ("000", "Magnesium requires dose adjustment", "Clonazepam is the preferred treatment for "
     "panic disorder in children."),
    ("000", "Magnesium requires dose adjustment", "Taking magnesium at night improves dream "
     "recall."),
    ("000", "Clonazepam does not require renal", "Magnesium supplements interact with warfarin "
     "and raise bleeding risk."),
    ("000", "Avoid abrupt discontinuation", "Magnesium glycinate tastes bitter and is best "
     "taken with juice."),
    ("000", "Monitor for excessive sedation", "Clonazepam has a half-life of about two hours."),
    ("001", "Magnesium plays a supportive role", "Benzodiazepines are safe to use for many "
     "years without dependence."),
    ("001", "Forms matter", "Magnesium oxide is the best form for anxiety."),
    ("001", "Medical supervision is non-negotiable", "Magnesium cures benzodiazepine "
     "withdrawal within a week."),
    ("001", "Start low and slow", "Children should take twice the adult magnesium dose."),
    ("001", "High-risk groups include", "Magnesium is safe for everyone with kidney disease."),
    ("002", "For anxiety and insomnia, magnesium glycinate", "Clonazepam works best when taken "
     "with grapefruit juice."),
    ("002", "For muscle cramps, magnesium supplementation is NOT", "Magnesium reliably "
     "prevents all muscle cramps in athletes."),
    ("002", "Minor adverse events, primarily", "Magnesium causes liver damage in most users."),
    ("002", "A 2024 systematic review found", "Magnesium shortens the time to fall asleep by "
     "exactly one hour."),
]


def passage(file_prefix: str, anchor: str) -> Chunk:
    """A chunk-like passage: the line holding the anchor plus the next non-empty line."""
    path = next(CORPUS.glob(f"{file_prefix}_*.txt"))
    text = path.read_bytes().decode("utf-8")
    at = text.index(anchor)
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    nxt = text.find("\n", end + 1)
    while nxt != -1 and not text[end + 1:nxt].strip():
        nxt = text.find("\n", nxt + 1)
    end = nxt if nxt != -1 else len(text)
    body = text[start:end]
    cid = hashlib.sha256(f"{path.name}:{start}".encode()).hexdigest()[:20]
    return Chunk(id=cid, source=path.name, title=text.splitlines()[0][:120], text=body,
                 start=start, end=end, embed_text=body)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    from assistant.answering.verify.verifier import Verifier
    from assistant.indexing.embed import get_embedder

    settings = Settings()
    embedder = get_embedder(settings)
    verifier = Verifier.from_settings(settings, embedder)
    sup = [verifier.similarity(s, passage(f, a))[0] for f, a, s in SUPPORTED]
    uns = [verifier.similarity(s, passage(f, a))[0] for f, a, s in UNSUPPORTED]
    print("supported  :", " ".join(f"{x:.2f}" for x in sorted(sup)))
    print("unsupported:", " ".join(f"{x:.2f}" for x in sorted(uns)))
    print(f"supported   min {min(sup):.3f} p10 {percentile(sup, .1):.3f} "
          f"median {statistics.median(sup):.3f}")
    print(f"unsupported max {max(uns):.3f} p90 {percentile(uns, .9):.3f} "
          f"median {statistics.median(uns):.3f}")
    for t in (0.45, 0.5, 0.55, 0.6, 0.65):
        tp = sum(x >= t for x in sup) / len(sup)
        fp = sum(x >= t for x in uns) / len(uns)
        print(f"cosine alone >= {t:.2f}: keeps {tp:.0%} of supported, lets through {fp:.0%} "
              "of unsupported")
    print(f"full verifier (min_support {verifier.min_support}, min_coverage "
          f"{verifier.min_coverage}, numbers, names, negation, policy):")
    for label, data in (("supported", SUPPORTED), ("unsupported", UNSUPPORTED)):
        kept = 0
        for f, a, s in data:
            decision = verifier.verify(f"{s} [1]", [passage(f, a)]).decisions[0]
            kept += decision.kept
            if decision.kept != (label == "supported"):
                print(f"  {label} {'KEPT' if decision.kept else 'REMOVED'}: {s} "
                      f"({decision.reason or 'supported'})")
        print(f"  {label}: {kept}/{len(data)} kept")
    latency(embedder)


def latency(embedder: object) -> None:
    from assistant.answering.verify.verifier import Verifier

    settings = Settings()
    answers = []
    for i in range(20):
        picks = [SUPPORTED[(i + j) % len(SUPPORTED)] for j in range(3)]
        chunks = [passage(f, a) for f, a, _ in picks]
        bad = UNSUPPORTED[i % len(UNSUPPORTED)][2]
        reply = " ".join(f"{s} [{n + 1}]" for n, (_, _, s) in enumerate(picks)) + f" {bad} [1]"
        answers.append((reply, chunks))
    verifier = Verifier.from_settings(settings, embedder)
    for label in ("cold", "warm"):
        if label == "warm":  # one verifier that has seen every passage once
            verifier = Verifier.from_settings(settings, embedder)
            for reply, chunks in answers:
                verifier.verify(reply, chunks)
        times = []
        for reply, chunks in answers:
            if label == "cold":  # passages never seen: their windows must be embedded
                verifier = Verifier.from_settings(settings, embedder)
            t0 = time.perf_counter()
            verifier.verify(reply, chunks)
            times.append((time.perf_counter() - t0) * 1000)
        if label == "warm":  # reference: embedding the reply's sentences alone
            from assistant.answering.verify.claims import parse_reply

            base = []
            for reply, _ in answers:
                texts = [c.text for c in parse_reply(reply)[0]]
                t0 = time.perf_counter()
                embedder.embed(texts)  # type: ignore[attr-defined]
                base.append((time.perf_counter() - t0) * 1000)
            print(f"embed the 4 reply sentences only: p50 {percentile(base, .5):.1f} ms, p95 "
                  f"{percentile(base, .95):.1f} ms")
        print(f"verify {label}: p50 {percentile(times, .5):.1f} ms, p95 "
              f"{percentile(times, .95):.1f} ms over {len(times)} answers (4 sentences, "
              "3 passages each)")


if __name__ == "__main__":
    main()
