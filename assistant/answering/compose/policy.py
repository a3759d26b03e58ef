"""``policies/answer.yaml``: what questions ask, which risks users state, and how answers are
weighed. Every pattern is compiled (case-insensitive) when the file is loaded, so a bad regex is a
start-up PolicyError naming the file and field, never a failure mid-answer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from assistant.answering.compose.weights import Weights
from assistant.core.policy import load_policy


def _compiled(patterns: list[str]) -> list[str]:
    for p in patterns:
        try:
            re.compile(p, re.I)
        except re.error as err:
            raise ValueError(f"bad regex {p!r}: {err}") from None
    return patterns


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Kind(_Strict):
    id: str
    ask: list[str] = Field(min_length=1)
    evidence: list[str] = Field(min_length=1)
    #: Asked only when no other kind is: its ask is a bare opener ("What is …") that also
    #: starts questions of other kinds ("What are the symptoms …").
    fallback: bool = False
    #: A table row answering this kind is shown with only the cells that answer it (its
    #: first cell and short naming cells stay); off for kinds a whole row answers (a verdict).
    row_cells: bool = True
    #: A sentence of this kind leads only when this kind is asked: an upper limit answers
    #: "what is the most I can take?", not "how much should I take?".
    leads_only_when_asked: bool = False
    #: Kinds this one narrows: asked together with one of them, this one is what is asked
    #: ("how much … is the max?" asks for the limit, not an amount).
    narrows: list[str] = Field(default_factory=list)
    #: Asked for, this kind is answered by a whole list more than by one of its items ("what
    #: are the signs?": every sign of a short list, not its first).
    lists: bool = False
    #: Asked in these words, only this kind said of the subject asked about answers: when no
    #: evidence of this kind is about it ("the maximum daily dose of clonazepam": every upper
    #: limit is magnesium's), the documents do not say it, and that part is declined.
    exact: list[str] = Field(default_factory=list)
    #: Asked, a relevant sentence of this kind leads and comes first among the points.
    must_lead: bool = False
    #: What a decline says the documents do not give, when ``exact`` words asked it.
    label: str = ""
    #: A condition the user has changes the answer to this kind (is it safe, how much, what
    #: to watch for): asked beside a condition the documents discuss only for another subject,
    #: that part is declined (``uncovered.risk_uncovered``); when to take it is not changed.
    conditional: bool = False
    #: Searched after the question's topic words when this kind is asked and no hit says it
    #: of the topic ("what else is there?" for leg cramps: "alternative treatments instead";
    #: ``answering.kind_lookup``).
    query: str = ""
    _check = field_validator("ask", "evidence", "exact")(_compiled)


class Risk(_Strict):
    id: str
    user: list[str] = Field(min_length=1)
    #: A question about this risk is answered by evidence on it, whoever it is said of ("Is it
    #: OK to drive after …?"), as when the user states it of themselves.
    topical: bool = False
    #: The message says the risk does not apply ("my kidneys are perfect").
    denied: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(min_length=1)
    measure: str | None = None
    threshold: str | None = None
    label: str = ""
    #: A name the ``measure`` pattern's ``name`` group may match -> how to call it ("egfr" ->
    #: "eGFR"), when it is not the ``label``.
    labels: dict[str, str] = Field(default_factory=dict)
    #: A condition of the person: stated once, it holds for the rest of the conversation.
    lasting: bool = False
    #: The unit of table brackets the ``measure`` is read in ("yr": an age the user gives,
    #: "my dad is 81", picks the row whose "71+ years" bracket holds it, in later turns too).
    bracket_unit: Literal["", "yr", "lb"] = ""
    #: Values of the ``measure`` that state no risk ("I'm 44": an age between these is
    #: told, not a risk fact): the user's message is then not evidence-led by this risk.
    ordinary: tuple[float, float] | None = None
    #: Matched with the corpus's core subjects taken out of the message ("another" sedative).
    other_than_core: bool = False
    #: Said of a substance: evidence about it must name the core subject the user says it of
    #: (stopping clonazepam is not stopping magnesium), when the message names one.
    bound: bool = False
    #: With ``bound``: evidence on it that names the core subject it is said of leads, over
    #: evidence that only names the user's words ("Avoid abrupt discontinuation of
    #: clonazepam" over "Rapid tapers or cold turkey amplify risks" for "can i quit k-pin cold
    #: turkey?").
    subject_first: bool = False
    #: When evidence on it leads: ``always`` (a condition whose evidence governs any answer:
    #: weak kidneys, sleep apnea, stopping at once); ``asked``: only evidence of the kind the
    #: question asks ("how much during my taper?" -> an amount, not a line on tapering), or,
    #: when it asks no kind but a verdict, evidence within ``weights.risk_margin`` of the
    #: closest unit; otherwise the answer to the question leads and the risk is a point.
    leads: Literal["always", "asked"] = "always"
    #: With ``lasting``: searched after the question's topic words when the user states this
    #: condition and no hit says anything on it of the topic ("magtein threonate" + "pregnancy
    #: safety"; ``answering.kind_lookup.RiskLookup``).
    query: str = ""

    _check = field_validator("user", "denied", "evidence")(_compiled)

    @model_validator(mode="after")
    def _measure_pair(self) -> Risk:
        if (self.measure is None) != (self.threshold is None):
            raise ValueError(f"risk {self.id}: measure and threshold go together")
        if self.measure is not None and self.threshold is not None:
            _compiled([self.measure, self.threshold])
            for p in (self.measure, self.threshold):
                if "(?P<value>" not in p:
                    raise ValueError(f"risk {self.id}: {p!r} needs a (?P<value>…) group")
            if "(?P<op>" not in self.threshold:
                raise ValueError(f"risk {self.id}: threshold needs a (?P<op>…) group")
        if self.bracket_unit and self.measure is None:
            raise ValueError(f"risk {self.id}: bracket_unit needs a measure")
        if self.ordinary is not None and (self.measure is None
                                          or self.ordinary[0] > self.ordinary[1]):
            raise ValueError(f"risk {self.id}: ordinary needs a measure and low <= high")
        return self


class Conflict(_Strict):
    favourable: list[str] = Field(min_length=1)
    unfavourable: list[str] = Field(min_length=1)
    line: str = Field(pattern=r"\{other\}")
    _check = field_validator("favourable", "unfavourable")(_compiled)


class AskWhenMissing(_Strict):
    kinds: list[str] = Field(min_length=1)
    risks: list[str] = Field(min_length=1)
    text: str = Field(min_length=5)


class Consequence(_Strict):
    below: str
    above: str


class Group(_Strict):
    """A group of people a table row may be for ("Female" rows): ``user`` names a person of it
    in the message ("my wife", "adult women"), ``evidence`` names it in a row."""

    user: list[str] = Field(min_length=1)
    evidence: list[str] = Field(min_length=1)

    _check = field_validator("user", "evidence")(_compiled)


class AnswerPolicy(_Strict):
    version: int = 1
    kinds: list[Kind] = Field(min_length=1)
    risks: list[Risk] = Field(min_length=1)
    general_verdict: list[str] = Field(min_length=1)
    #: Groups a row may be for (the sexes of the RDA table): another group's row is someone
    #: else's, like another age's.
    groups: list[Group] = Field(default_factory=list)
    #: The message speaks of the user ("my kidneys", "I snore"): its risks are facts about them.
    first_person: list[str] = Field(min_length=1)
    #: A request to leave out a warning ("drop the sleep apnea warning") states no risk.
    dismissals: list[str] = Field(default_factory=list)
    #: Words after which a core subject is added, not stopped ("… and take magnesium instead?").
    adding: list[str] = Field(default_factory=list)
    #: Words saying a core subject was taken before ("she started magnesium") or is paired with
    #: the one asked about ("plus clonazepam"): how the condenser reads a follow-up's "it".
    taken: list[str] = Field(default_factory=list)
    paired: list[str] = Field(default_factory=list)
    #: A sentence opening with a bare answer word ("Yes, it is generally safe …") answered its
    #: source's own question. ``answer_word`` is that opening; ``doubts`` mark a question whose
    #: "yes" means the opposite ("Is it dangerous …?", "Should I worry?"): its lead is shown
    #: without the word.
    answer_word: str = ""
    doubts: list[str] = Field(default_factory=list)
    #: A closing clause that speaks to its source's own reader ("…, which is directly relevant
    #: to your dose"): shown only when the user gave every number it names (any number, for
    #: one that names none); otherwise the sentence is shown without it.
    reader_clause: str = ""
    #: A sentence about its source's reader's own dose ("The magnesium dose (120mg elemental)
    #: …"; group ``value``): neither lead nor point for a user who gave no such number.
    presumed_dose: str = ""
    #: A sentence on a gap in the evidence ("Further research … is warranted") answers only a
    #: question about the evidence (``evidence_asks``): else it neither leads nor is a point.
    hedges: list[str] = Field(default_factory=list)
    evidence_asks: list[str] = Field(default_factory=list)
    conflict: Conflict
    dangling_starts: list[str] = Field(min_length=1)
    connectors: str = ""
    ask_when_missing: AskWhenMissing
    comparison: str
    consequence: Consequence
    #: Lines after a lead: its doses are none of the user's (``compose.doses``); a daily dose
    #: of it is past a limit shown after it; the user's doses against it (``compose.limits``).
    dose_note: str = ""
    limit_note: str = ""
    limit_yours: str = ""
    limit_room: str = ""
    #: The user's own daily dose past an upper limit the evidence states, said unprompted:
    #: ``limit_over`` when they call it the element's own amount (``elemental``), else
    #: ``limit_over_if`` (a label's "400 mg magnesium glycinate" may weigh the whole compound).
    limit_over: str = ""
    limit_over_if: str = ""
    elemental: list[str] = Field(default_factory=list)
    #: Searched after a dose's substance for its upper limit (``answering.limit_lookup``).
    limit_query: str = ""
    #: Searched after the asked core subjects when a question asking one of ``bracket_kinds``
    #: gives the person's age or weight, for the row of their bracket
    #: (``answering.bracket_lookup``).
    bracket_query: str = ""
    bracket_kinds: list[str] = Field(default_factory=list)
    #: A part of the question that asks whether one may do something ("can i add …?", "… is
    #: that a problem", "ok to take both?"), not whether something is so ("does it drain …?").
    permission: list[str] = Field(default_factory=list)
    #: For such a question, a table row whose cell says what to do is shown as sentences
    #: (``rows.readable``): the cells whose name matches ``row_advice`` right after the row's
    #: first cell, those whose name matches ``row_examples`` in parentheses after it, the
    #: others after them.
    row_advice: list[str] = Field(default_factory=list)
    row_examples: list[str] = Field(default_factory=list)
    #: ... and a cell whose name says how risky it is first of all ("Risk Level: High").
    row_risk: list[str] = Field(default_factory=list)
    weights: Weights = Weights()
    max_points: int = Field(4, ge=0, le=10)
    min_relevance: float = Field(0.3, ge=-1, le=2)
    #: Supporting points past the first ``points_free`` must score at least
    #: ``points_min_relevance`` (absolute, like ``min_relevance``): that far down a sentence is
    #: more often filler than an answer (chosen on relevance labels of the tune split's points).
    points_free: int = Field(4, ge=0, le=10)
    points_min_relevance: float = Field(0.3, ge=-1, le=2)

    _check = field_validator("general_verdict", "first_person", "dismissals", "adding", "taken",
                             "paired", "doubts", "dangling_starts", "hedges",
                             "evidence_asks", "permission", "row_advice", "elemental",
                             "row_examples", "row_risk")(_compiled)

    @field_validator("connectors", "answer_word", "reader_clause", "presumed_dose")
    @classmethod
    def _connectors(cls, v: str, info: ValidationInfo) -> str:
        _compiled([v] if v else [])
        if v and info.field_name == "presumed_dose" and "(?P<value>" not in v:
            raise ValueError("needs a (?P<value>…) group: the dose compared with the user's")
        return v

    @field_validator("comparison")
    @classmethod
    def _placeholders(cls, v: str) -> str:
        for name in ("label", "value", "side", "threshold", "consequence"):
            if "{" + name + "}" not in v:
                raise ValueError(f"comparison needs {{{name}}}")
        return v

    @field_validator("dose_note", "limit_note", "limit_yours", "limit_room", "limit_over",
                     "limit_over_if")
    @classmethod
    def _note_placeholders(cls, v: str, info: ValidationInfo) -> str:
        for name in _NOTE_FIELDS[str(info.field_name)]:
            if v and "{" + name + "}" not in v:
                raise ValueError(f"{info.field_name} needs {{{name}}}")
        return v

    def kind_named(self, kind_id: str | None) -> Kind | None:
        """The kind with this id (None for none)."""
        return next((k for k in self.kinds if k.id == kind_id), None)

    @model_validator(mode="after")
    def _known_ids(self) -> AnswerPolicy:
        kinds, risks = {k.id for k in self.kinds}, {r.id for r in self.risks}
        named = {"ask_when_missing": [(k, kinds) for k in self.ask_when_missing.kinds]
                 + [(r, risks) for r in self.ask_when_missing.risks],
                 "bracket_kinds": [(k, kinds) for k in self.bracket_kinds]}
        for field_name, ids in named.items():
            if unknown := [i for i, known in ids if i not in known]:
                raise ValueError(f"{field_name} names unknown ids: {', '.join(unknown)}")
        return self


#: The placeholders each note template must use.
_NOTE_FIELDS = {"dose_note": ("evidence", "yours"), "limit_note": ("dose", "limit"),
                "limit_yours": ("yours", "side", "limit"), "limit_room": ("yours", "room"),
                "limit_over": ("yours", "limit"), "limit_over_if": ("yours", "limit")}


def load_answer_policy(policies_dir: Path) -> AnswerPolicy:
    """``policies_dir/answer.yaml``, validated; any problem is a PolicyError."""
    return load_policy(policies_dir, "answer.yaml", AnswerPolicy, "answer policy")


def matches(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text, re.I) for p in patterns)
