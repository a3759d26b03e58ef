"""What a question asks for and which risk facts the user has stated, read with the answer
policy: "My kidneys are weak, is it safe?" asks for a verdict and states the renal risk;
"What if my creatinine clearance is 25?" states the renal risk with a value (25) to compare with
the evidence's threshold. Risks stated in earlier user turns still apply."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from assistant.answering.compose.asked import CONTINUES_WORDS, read_kinds
from assistant.answering.compose.policy import AnswerPolicy, Risk, matches
from assistant.answering.compose.stated import (
    bound_subjects,
    other_substances,
    stated_risks,
    telegraphic,
)
from assistant.answering.topic import split_carried
from assistant.core.lru import LRUCache
from assistant.text.sentences import (
    asked_or_paired,
    question_parts,
)
from assistant.text.words import stem, term_words, zipf

#: A word rarer than this (Zipf) and this long names a specific thing ("doxycycline"; a dose
#: written beside one is that thing's, ``compose.doses``).
THING_ZIPF = 3.0
THING_MIN = 4
#: A value in a unit is a dose, an age, a time or a weight, not a new value of a measure.
_NO_OTHER_UNIT = (r"(?!\s*(?:mg|mcg|g|ml|%|years?|yrs?|weeks?|days?|months?|hours?|lbs?|kg)"
                  r"\b)")
#: A follow-up that only gives another value ("what if it's 25?", "and if it drops to 25"):
#: a new value of the measure the conversation gave last.
_NEW_VALUE = re.compile(r"\W*(?:(?:and|but|ok|okay|so)\W+)?(?:what|how)\s+(?:if|about)\b"
                        rf"[^?\d]{{0,30}}?(?P<value>\d+(?:\.\d+)?)(?!\.?\d){_NO_OTHER_UNIT}", re.I)
#: ... or says the value is now another ("now its 26", "came back at 22", "dropped to 25").
_NOW_VALUE = re.compile(r"\b(?:now\s+(?:it'?s|its|it\s+is|at|only)|(?:it'?s|its|it\s+is)\s+now|"
                        r"came\s+back(?:\s+at)?|(?:went|dropped|fell|gone|come)\s+(?:down\s+|up\s+)?"
                        r"to)\s+(?:about\s+|around\s+|only\s+)?(?P<value>\d+(?:\.\d+)?)(?!\.?\d)"
                        + _NO_OTHER_UNIT, re.I)
#: A follow-up that refers back to what the last message said the user would do ("what would
#: happen if i did", "and if i do that?"): that message's risks (stopping, driving) hold too.
_DOING_THAT = re.compile(r"\bif\s+(i|we|she|he|they|you)\s+(did|do|does|had|have|were to)"
                         r"(\s+(that|it|this|so))?\s*[?.!]*\s*$", re.I)
#: Words making the number after them a bound ("drops under 30", "over 60").
_UNDER = re.compile(r"(?:\bunder|\bbelow|\bless than|\blower than|<)\s*$", re.I)
_OVER = re.compile(r"(?:\bover|\babove|\bmore than|\bgreater than|\bhigher than|>)\s*$", re.I)
#: A number as users and sources write it ("120", "0.5").
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Measure:
    """A number the user gave for a risk (e.g. creatinine clearance 25)."""

    risk: Risk
    value: float
    #: What the user called it, when the risk labels that name ("eGFR"); else the risk's label.
    name: str = ""
    #: "below" or "above" when the user gave a bound, not a value ("if it drops under 30").
    bound: str = ""


@dataclass(frozen=True)
class Profile:
    kinds: tuple[str, ...] = ()
    #: The question asks its kind in the words that kind marks ``exact`` ("the max dose").
    exact: bool = False
    risks: tuple[Risk, ...] = ()
    measures: tuple[Measure, ...] = ()
    #: The risks this message gives a value for ("What if my creatinine clearance is 25?").
    measured_now: frozenset[str] = field(default_factory=frozenset)
    #: Every risk stated anywhere in the conversation (for "ask when missing").
    mentioned: frozenset[str] = field(default_factory=frozenset)
    #: The risks this message states itself.
    current: frozenset[str] = field(default_factory=frozenset)
    #: ... of them, those its questions (the parts ending with "?") state ("could that cause
    #: birth defects if I fall pregnant?"), not the story before them ("My dad is 81 …").
    asked_risks: frozenset[str] = field(default_factory=frozenset)
    #: The risks that are facts about the user (said in the first person, or a lasting
    #: condition from an earlier turn); a risk that is only the topic of a question ("what is
    #: the danger of tapering?") is not one.
    personal: tuple[Risk, ...] = ()
    #: The question doubts ("Is it dangerous …?", "Should I worry?"): a bare "yes" would answer
    #: the opposite of what a "Yes, it is safe" sentence says.
    doubting: bool = False
    #: Risks the user says do not apply to them ("my kidneys are perfect"), in this message or
    #: an earlier one, or asks this message to leave out ("don't mention sleep apnea"): the
    #: body leaves sentences about them out (the Safety notes still show every caveat).
    denied: tuple[Risk, ...] = ()
    #: The words of this message that deny a risk or ask to leave its warning out ("my kidneys
    #: are perfect", "drop the sleep apnea warning"): they name no topic of the question.
    set_aside: tuple[str, ...] = ()
    #: The numbers the user wrote in this conversation ("120", "0.5").
    numbers: frozenset[str] = field(default_factory=frozenset)
    #: The question asks about the evidence itself ("Is there research on …?").
    asks_evidence: bool = False
    #: A part that asks whether one may do something ("can i add magnesium?", "… is that a
    #: problem"), not "what's the problem with …?" or "is it draining …?" (``permission``).
    permission: bool = False
    #: Stems of the words naming another substance this message pairs with the core subjects
    #: (an ``other_than_core`` risk: "temazepam", "alcohol").
    others: frozenset[str] = field(default_factory=frozenset)
    #: Stems of the rare words that name a specific thing this message asks about or pairs
    #: ("on doxycycline", "Ambien"), not a core subject: a verdict's lead names one when any
    #: candidate does.
    things: frozenset[str] = field(default_factory=frozenset)
    #: The ``things`` that are medicines the corpus names ("trazodone", "triazolam" beside the
    #: user's "halcion"): what the user takes, which a lead names when one can and a
    #: conflicting verdict must name to be about the same pairing.
    substances: frozenset[str] = field(default_factory=frozenset)
    #: Stems of the core subjects the message names in its own words.
    subjects: frozenset[str] = field(default_factory=frozenset)
    #: ... of them, those its questions (the parts ending with "?") name ("… keep taking the
    #: magnesium … Does clonazepam pass into breast milk?": clonazepam), else all of them.
    asked_subjects: frozenset[str] = field(default_factory=frozenset)
    #: ... and those the user's earlier messages named.
    named_before: frozenset[str] = field(default_factory=frozenset)
    #: ... and those of the topic a follow-up carries ("how much for someone his age? (about
    #: magnesium, …)").
    topic: frozenset[str] = field(default_factory=frozenset)
    #: Stems of the core subjects a ``bound`` risk of this message is said of ("stop klonopin
    #: and take magnesium instead": klonopin); empty when the message names none.
    bound: frozenset[str] = field(default_factory=frozenset)

    @property
    def kind(self) -> str | None:
        return self.kinds[0] if self.kinds else None


def read_question(question: str, earlier: Iterable[str], policy: AnswerPolicy,
                  core: frozenset[str] = frozenset(), pairing: Sequence[str] = (),
                  medicines: frozenset[str] = frozenset()) -> Profile:
    """The profile of ``question`` (a standalone question); ``earlier``: the user's earlier
    messages in this conversation, oldest first; ``core``: stems of the corpus's core subjects;
    ``medicines``: the corpus's words for medicines (``answering.drug_names``)."""
    own, carried = split_carried(question)
    earlier = list(earlier)
    asking, kinds = read_kinds(own, carried, earlier, policy)
    now = stated_risks(own, policy, core)
    before: list[Risk] = []
    mine: list[Risk] = []  # earlier risks said in the first person
    for text in earlier:
        found = stated_risks(text, policy, core)
        before += [r for r in found if r not in before]
        mine += [r for r in found if matches(policy.first_person, text) and r not in mine]
    # Earlier conditions of the person (policy ``lasting``: kidneys, sleep apnea...) still hold;
    # an earlier "stop" or "driving" was about that turn's question.
    lasting = [r for r in before if r.lasting]
    if earlier and _DOING_THAT.search(own):  # what it refers to is asked about now
        now += [r for r in stated_risks(earlier[-1], policy, core) if r not in now]
    risks = tuple(now + [r for r in lasting if r not in now])
    measured = _measures(own, risks)
    given = [m for text in earlier for m in _measures(text, risks)]
    if not measured and given and len(own.split()) <= CONTINUES_WORDS \
            and (value := _NEW_VALUE.match(own) or _NOW_VALUE.search(own)):  # "what if it's
        # 25?", "they rechecked him and now its 26" after "CrCl is 40"
        measured = [replace(given[-1], value=float(value.group("value")),
                            bound=bound_before(own, value.start("value")))]
    measures = tuple(given) + tuple(measured)
    latest: dict[str, Measure] = {m.risk.id: m for m in measures}  # the newest value wins
    # A user who has spoken of themselves in this conversation ("My kidneys are not great")
    # asks of themselves later too ("Is it OK to drive after taking it?").
    first_person = any(matches(policy.first_person, text) for text in (*earlier, own))
    # Another substance named with the core ones ("with temazepam") is the pairing asked about,
    # whoever takes it: it is stated, not a topic.
    personal = tuple(r for r in risks if (first_person and r in now) or r in mine
                     or r.id in latest or (r.other_than_core and r in now)
                     or (r in now and telegraphic(own, r.lasting)))
    personal = tuple(r for r in personal if not ordinary(r, latest.get(r.id)))
    dismissing = [m.group(0) for p in policy.dismissals for m in re.finditer(p, own, flags=re.I)]
    denied = tuple(r for r in policy.risks if r not in risks and (
        any(matches(r.denied, text) for text in (*earlier, own) if r.denied)
        or any(matches(r.user, words) for words in dismissing)))
    set_aside = tuple(m.group(0) for r in denied for p in r.denied
                      for m in re.finditer(p, own, flags=re.I)) + tuple(dismissing)
    # a risk the user denied or asked to leave out has been addressed: not asked about again
    mentioned = frozenset(r.id for r in (*now, *before, *denied))
    named = [w for w in term_words(own) if len(w) >= THING_MIN and names_thing(w)
             and stem(w) not in core and asked_or_paired(w, own, pairing)]
    first = policy.kind_named(kinds[0]) if kinds else None
    parts = question_parts(own)
    questions = " ".join(p for p in parts if p.rstrip().endswith("?"))
    return Profile(kinds=kinds, risks=risks, measures=tuple(latest.values()), mentioned=mentioned,
                   exact=first is not None and matches(first.exact, asking),
                   measured_now=frozenset(m.risk.id for m in measured),
                   current=frozenset(r.id for r in now), personal=personal,
                   asked_risks=frozenset(r.id for r in now if matches(r.user, questions)),
                   doubting=matches(policy.doubts, own), denied=denied, set_aside=set_aside,
                   numbers=frozenset(n for text in (*earlier, own) for n in NUMBER.findall(text)),
                   asks_evidence=matches(policy.evidence_asks, own),
                   permission=any(matches(policy.permission, p.strip()) for p in parts),
                   others=other_substances(own, policy, core),
                   bound=bound_subjects(own, now, policy, core),
                   subjects=(subjects := frozenset(stem(w) for w in term_words(own)) & core),
                   asked_subjects=frozenset(stem(w) for w in term_words(questions)) & core
                   or subjects,
                   topic=frozenset(stem(w) for w in term_words(carried)) & core,
                   named_before=frozenset(stem(w) for text in earlier
                                          for w in term_words(text)) & core,
                   things=frozenset(stem(w) for w in named),
                   substances=frozenset(stem(w) for w in named if w in medicines and not any(
                       matches(r.user, w) for r in policy.risks)))


def read_standalone(question: str, policy: AnswerPolicy,
                    core: frozenset[str] = frozenset()) -> Profile:
    """The profile of a standalone question alone (no history at hand: a search step's), the
    topic it carries read as an earlier message ("… (about magnesium, My mum is 70)")."""
    own, carried = split_carried(question)
    return read_question(own, [carried] if carried else [], policy, core)


class StandaloneReader:
    """``read_standalone`` with a small bounded cache: the search steps that complete a
    question's evidence (``answering.bracket_lookup``, ``answering.kind_lookup``) each read the
    same question twice, once for the query embedded with it and once to add their passage."""

    def __init__(self, policy: AnswerPolicy, core: frozenset[str], maxsize: int = 32) -> None:
        self.policy = policy
        self.core = core
        self._cache: LRUCache[str, Profile] = LRUCache(maxsize)

    def __call__(self, question: str) -> Profile:
        return self._cache.get_or_compute(
            question, lambda q: read_standalone(q, self.policy, self.core))


def ordinary(risk: Risk, measure: Measure | None) -> bool:
    """Is the value the user gave for this risk one that states none ("I'm 44")?"""
    return (risk.ordinary is not None and measure is not None
            and risk.ordinary[0] <= measure.value <= risk.ordinary[1])


def names_thing(word: str) -> bool:
    """Is the word rare enough in English (``THING_ZIPF``) to name a specific thing: a drug, a
    brand, a form ("doxycycline", "Ambien", "citrate")?"""
    return word.isalpha() and zipf(word.lower()) < THING_ZIPF


def _measures(text: str, risks: Sequence[Risk]) -> list[Measure]:
    found = []
    for risk in risks:
        if risk.measure is None:
            continue
        m = re.search(risk.measure, text, re.I)
        if m:
            said = (m.groupdict().get("name") or "").lower()
            found.append(Measure(risk=risk, value=float(m.group("value")),
                                 name=risk.labels.get(said, ""),
                                 bound=bound_before(text, m.start("value"))))
    return found


def bound_before(text: str, at: int) -> str:
    """"below" when the words right before a number make it a bound under it ("under 30",
    "less than 30"), "above" for one over it ("over 60"), else ""."""
    before = text[max(0, at - 20):at]
    return "below" if _UNDER.search(before) else "above" if _OVER.search(before) else ""
