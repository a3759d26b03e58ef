"""How a follow-up message reads: the patterns the condenser (``answering.condense``) reads
a message by, to tell a follow-up from a new question ("And gabapentin?", "is it safe?", "what
about for his sister?") and to find the thing it swaps in ("what about evening primrose oil for
that?" -> "evening primrose oil")."""

from __future__ import annotations

import re

#: A message without a cue word or pronoun reads as a follow-up only when it is this short.
MAX_BARE_FOLLOW_UP_WORDS = 6
#: "what about …" / "and how about …" opening a message.
_WHAT_ABOUT = r"^\s*(?:and|or|but|also|so)?\s*(?:what|how)\s+about\s+"
SWAP = re.compile(_WHAT_ABOUT + r"(?P<x>.+?)\s*\??\s*$"
                  r"|^\s*(?:and|or)\s+(?:for\s+|with\s+)?(?P<y>[^?]{1,40}?)\s*\??\s*$", re.I)
#: The thing a message opening "what about X, …" asks about, whatever follows ("what about
#: feverfew, my aunt uses it for hers. is it better …?").
ASKS_ABOUT = re.compile(_WHAT_ABOUT + r"(?P<x>[^,.?;!]+)", re.I)
#: "what about X, worth adding for prevention?" asks its own question about X when this many
#: content words follow the comma ("what about ambien, same?" only swaps X in).
OWN_QUESTION_WORDS = 2
#: "what if it was klonopin instead of the ambien?": swap the thing named after "of" (or, without
#: it, what "and X?" would replace) for the one named first.
INSTEAD = re.compile(r"^\s*(?:and\s+|but\s+|so\s+)?what if\s+(?:it\s+(?:was|is|were)|it'?s|"
                     r"i\s+(?:take|took|use|used|switch(?:ed)?\s+to)|i'?m\s+on|i\s+was\s+on)\s+"
                     r"(?P<x>[^?]{1,40}?)\s+instead(?:\s+of\s+(?:the\s+|my\s+)?(?P<old>[\w-]+))?"
                     r"\s*\??\s*$", re.I)
# "Is it OK to drive after …?" is no follow-up: its "it" stands for the "to …" that follows.
FOLLOW = re.compile(r"^\s*(and|but|also|so|then|ok(ay)?|what if|and if|what about|how about|"
                    r"is (it|that|this)(?!\s+\w+\s+to\b)|does (it|that|this)|can (it|that|this)|"
                    r"should i still|same for|why|how come)\b", re.I)
PRONOUN = re.compile(r"\b(it|its|that|this|those|these|they|them|the same|both|he|hes|he's|"
                     r"she|shes|she's|him|her)\b", re.I)
IT = re.compile(r"\bit\b(?!')", re.I)
#: A message ending on a pronoun points back ("Would switching to glycinate fix that?") even
#: when it names a core subject.
BACK = re.compile(r"(\b(that|this|those|these|them)|\b(of|off|from|on|with)\s+it)\s*[?.!]*\s*$",
                  re.I)  # ("… a lower dose of it?")
#: ... as does getting through "it" ("would magnesium help me get thru it" after a message about
#: quitting Klonopin: "it" is what the last message was about, core subject and all).
ORDEAL = re.compile(r"\b(get|gets|getting|help|helps|pull|see|carry)\s+(?:(me|him|her|us|you)\s+)?"
                     r"(through|thru|over)\s+(it|this|that)\b", re.I)
LEAD = re.compile(r"^\s*(?:and|or|but|also|so)\s+", re.I)
#: "And for how long?" asks more about the same thing; it does not name a new thing to swap in.
ASKS = re.compile(r"^(how|what|when|why|which|who|where|is|are|can|could|should|would|will|"
                  r"do|does|did)\b", re.I)

#: What "what about X?" ("… for that") and "and X?" ("… on sundays, same deal") say after X.
FOR_THAT = re.compile(r"\s+for\s+(?:that|this|it|them|those)\b", re.I)
AFTER_THING = re.compile(rf",|\s+(?:on|at|in|every|each|too|as well|same|then)\b|"
                         rf"{FOR_THAT.pattern}", re.I)
#: A word the spelling repair glossed with the corpus's word for it ("gly (glycinate)").
GLOSSED = re.compile(r"\b([\w-]+) \(([\w-]+)\)")
#: "what about for his sister, shes 12?" asks the same for someone else: nothing is swapped in.
FOR_WHOM = re.compile(r"for\s+(?:my|his|her|their|our|your|a|an|the)\b", re.I)
#: "my weekly fosamax" swaps in as "weekly fosamax" (the question being rewritten has its own).
OWNER = re.compile(r"^(?:my|your|his|her|our|their|the)\s+", re.I)
TAIL_OBJECT = re.compile(r"\b(?:apart from|away from|from|with|alongside)\s+"
                         r"(?:my\s+|the\s+|your\s+)?([A-Za-z][\w-]*)\s*\??\s*$", re.I)
