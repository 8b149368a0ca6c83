"""Part of speech of a counted word: role (noun), action (verb) or quality (adjective).

Most forms say what they are: ``leader``, ``leadership``, ``manager`` and ``management``
are nouns, ``managerial`` an adjective. The verb forms (``lead``, ``leads``, ``leading``,
``led``, ``manage``, ``manages``, ``managing``, ``managed``) can be more than one thing, and
these rules read the words around them. Gerunds and participles that act ("leading the
team", "is managed by", "by managing risk") count as verbs, since the paper's point is the
difference between a role and what someone does.

Rules, by the shape of the form (the first that applies wins):

any form that can be a noun, with a possessive ("the lead's view") → noun.
base form (``lead``, ``manage``)
    * after a modal, "to", "do"/"not" or a subject pronoun → verb ("should lead", "to
      manage", "they lead");
    * forms that cannot be nouns (``manage``) → verb;
    * right after a determiner or possessive → adjective before a noun ("the lead
      agency", "a lead developer"), otherwise noun ("take the lead on");
    * after a plural noun → verb ("both teams lead joint reviews");
    * after a role modifier ("project lead", "team lead") or inside a noun phrase ("the
      project lead to ensure …") → noun, unless an object follows ("… lead the review");
    * after a preposition ("as lead") → noun;
    * otherwise → verb (imperatives: "Lead the review"; "decisions lead to …").
third person (``leads``, ``manages``)
    * forms that cannot be nouns (``manages``) → verb;
    * after a subject pronoun or "who/which/that", or before an object, "to", "by" or an
      adverb → verb ("which leads to", "the AM leads a conversation");
    * after a determiner, number or role modifier, inside a noun phrase, or before a
      preposition, conjunction, modal, "are" or the end → noun ("team leads", "staffing
      leads.", "potential leads on the team", "project leads should");
    * otherwise → verb.
-ing (``leading``, ``managing``)
    * after "world", "industry", "market", "sector", "most", "more" → adjective
      ("world leading", "industry-leading");
    * before a noun it typically qualifies ("leading practice", "managing director") →
      adjective, unless another noun follows ("managing partner expectations");
    * after an article or possessive → adjective before a noun ("a leading provider"),
      noun otherwise ("the managing of risk");
    * otherwise → verb ("leading the team", "by managing risk", "is leading", "Leading
      change", "those leading portfolios").
-ed (``led``, ``managed``)
    * second part of a hyphenated word ("consultant-led", "well-managed",
      "Infrastructure-managed") → adjective;
    * before "by", or after a form of "be"/"have"/"get" (adverbs between allowed) → verb
      ("was led by", "has managed", "is centrally managed");
    * after a modal or subject pronoun → verb ("we managed WebContent.gov");
    * before a noun, after a determiner, possessive or "-ly" adverb, at the start of a
      sentence or clause, or after "preposition + noun" → adjective ("a managed service",
      "Managed services are …", "for Agile managed projects");
    * otherwise → verb ("she led the team", "managed to").

Words are looked at in lower case; the only lexicon is the closed classes below
(determiners, modals, pronouns, prepositions) and short lists of the nouns that follow an
adjectival "leading"/"managing" and of role modifiers before "lead(s)".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

PartOfSpeech = Literal["noun", "verb", "adjective"]


def _words(text: str) -> frozenset[str]:
    """A closed word class written as one string (easier to read than a long list)."""
    return frozenset(text.split())


PARTS_OF_SPEECH: tuple[PartOfSpeech, ...] = ("noun", "verb", "adjective")

DETERMINERS = _words(
    "a an the this these those each every any no some its their our your his her my whose "
    "another either neither such all both several many few"
)
MODALS = _words("will would shall should can could may might must cannot to ll d 'll 'd")
DO_NOT = _words("do does did not never don't doesn't didn't won't can't")
BE = _words("be is are was were been being am 's 're")
HAVE = _words("has have had having 've")
GET = _words("get gets got getting become becomes became remain remains")
SUBJECT_PRONOUNS = _words("i we you they he she it who which that")
OBJECT_PRONOUNS = _words("me us you them him her it themselves itself ourselves")
PREPOSITIONS = _words(
    "of in on for by with about through without from at into towards toward before after "
    "while when upon via than like as including between against within across under over "
    "during among around"
)
CONJUNCTIONS = _words("and or but nor")
ADVERBS = _words(
    "also well not never always often still already just jointly together then now very "
    "more most less least so too even only further better best poorly badly"
)
#: words that cannot be the noun an adjectival form qualifies
FUNCTION_WORDS = (
    DETERMINERS
    | MODALS
    | DO_NOT
    | BE
    | HAVE
    | SUBJECT_PRONOUNS
    | OBJECT_PRONOUNS
    | PREPOSITIONS
    | CONJUNCTIONS
    | ADVERBS
    | _words("up out down off away back there here how what why where whether if")
)
#: nouns an adjectival "leading"/"managing" usually qualifies
ING_ADJECTIVE_NOUNS = _words(
    "practice practices edge role roles light lights figure figures cause causes expert "
    "experts provider providers indicator indicators position positions company companies "
    "brand brands example examples authority authorities director directors editor "
    "editors partner partners agent agents agency agencies body bodies board boards "
    "member members committee trustee trustees officer officers organisation "
    "organisations organization organizations contractor contractors entity entities "
    "institution institutions university universities supplier suppliers producer "
    "producers manufacturer manufacturers exporter exporters lady man actor actors "
    "actress scholar scholars researcher researchers centre center centres centers voice "
    "voices player players firm firms nation nations country countries economy economies "
    "source sources candidate candidates edges"
)
#: words before "lead"/"leads" that make it a person's role ("team lead")
ROLE_MODIFIERS = _words(
    "team project tech technical product design engineering research program programme "
    "site content sales delivery workstream policy data account clinical co contract "
    "support supervisory operations operational engineering joint overall senior "
    "principal development communications strategy portfolio service practice area "
    "regional state federal agency department section unit subject lab study trial"
)
ADVERB_BEFORE_MORE = _words("most more world industry market sector")


#: determiners before an adjectival "-ing" form ("a leading provider"); demonstratives are
#: left out because "those leading portfolios" is a verb
ARTICLES = _words("a an the its their our your his her my whose")
#: words after which a role form still has its object to come ("the team leads the work")
_OBJECT_STARTERS = DETERMINERS | OBJECT_PRONOUNS


@dataclass(frozen=True, slots=True)
class Context:
    """The lower-case words around a form in its sentence (punctuation kept as tokens).

    ``after_hyphen`` is set for the second part of a hyphenated word ("consultant-led",
    "co-lead"); the part before the hyphen is then the last word of ``before``.
    ``possessive`` is set for "lead's" and "leads'".
    """

    before: Sequence[str]
    after: Sequence[str]
    after_hyphen: bool = False
    possessive: bool = False

    def prev(self, n: int = 1) -> str:
        return self.before[-n] if len(self.before) >= n else ""

    def next(self, n: int = 1) -> str:
        return self.after[n - 1] if len(self.after) >= n else ""


def is_nounish(word: str) -> bool:
    """Could ``word`` be a noun (or an adjective before one)? Letters, not a function
    word, not an ``-ly`` adverb."""
    return (
        bool(word)
        and word[0].isalpha()
        and word not in FUNCTION_WORDS
        and not (word.endswith("ly") and len(word) > 4)
    )


def _is_adverb(word: str) -> bool:
    return word in ADVERBS or (word.endswith("ly") and len(word) > 4)


def _in_noun_phrase(context: Context) -> bool:
    """A determiner or possessive, then only noun-like words, right before the form
    ("the project lead", "a PLC co-lead")."""
    for word in reversed(context.before[-4:]):
        if word in DETERMINERS or word.endswith("'s"):
            return True
        if not is_nounish(word) or word in SUBJECT_PRONOUNS:
            return False
    return False


def _after_auxiliary(context: Context) -> bool:
    """A form of be/have/get before the form, perhaps with adverbs between."""
    for word in reversed(context.before[-4:]):
        if word in BE or word in HAVE or word in GET:
            return True
        if not _is_adverb(word):
            return False
    return False


def rule_part_of_speech(form: str, context: Context, can_be_noun: bool) -> PartOfSpeech:
    """The part of speech of the verb form ``form`` in ``context``, by the module's rules."""
    if context.possessive and can_be_noun:
        return "noun"
    shape = form_shape(form)
    if shape == "ing":
        return _ing(context)
    if shape == "ed":
        return _ed(context)
    if shape == "s":
        return _third_person(context, can_be_noun)
    return _base(context, can_be_noun)


def form_shape(form: str) -> Literal["base", "s", "ing", "ed"]:
    if form.endswith("ing"):
        return "ing"
    if form.endswith("ed") or form == "led":
        return "ed"
    if form.endswith("s") and not form.endswith("ss"):
        return "s"
    return "base"


def _base(context: Context, can_be_noun: bool) -> PartOfSpeech:
    prev, nxt = context.prev(), context.next()
    if prev in MODALS or prev in DO_NOT or prev in SUBJECT_PRONOUNS:
        return "verb"
    if not can_be_noun:
        return "verb"
    if prev in DETERMINERS or prev.endswith("'s"):
        # "the lead agency" qualifies a noun; "take the lead on" is the noun itself
        if is_nounish(nxt) and nxt not in BE and nxt not in HAVE:
            return "adjective"
        return "noun"
    plural = prev.endswith("s") and not prev.endswith("ss")
    if plural and is_nounish(prev) and prev not in ROLE_MODIFIERS:
        return "verb"  # a plural subject: "both teams lead joint reviews"
    if prev in ROLE_MODIFIERS or _in_noun_phrase(context):
        # "the project lead to ensure …": a role, even before "to"
        return "verb" if nxt in _OBJECT_STARTERS else "noun"
    if prev in PREPOSITIONS and prev != "to":
        return "verb" if nxt in _OBJECT_STARTERS else "noun"
    return "verb"


_NOUN_FOLLOWERS = (
    PREPOSITIONS - {"to", "by"}
    | CONJUNCTIONS
    | MODALS - {"to"}
    | frozenset(["are", "were", "have", "had", "who"])
)


def _third_person(context: Context, can_be_noun: bool) -> PartOfSpeech:
    if not can_be_noun:
        return "verb"
    prev, nxt = context.prev(), context.next()
    if prev in SUBJECT_PRONOUNS:
        return "verb"
    if nxt in _OBJECT_STARTERS or nxt in ("to", "by") or _is_adverb(nxt):
        return "verb"
    if prev in DETERMINERS or prev.isdigit() or prev in ROLE_MODIFIERS:
        return "noun"
    if _in_noun_phrase(context) and is_nounish(nxt):
        # "the AM leads the …" is caught above; "the design leads work …" is a role
        return "noun"
    if not nxt or not nxt[0].isalnum() or nxt in _NOUN_FOLLOWERS:
        return "noun"
    return "verb"


def _ing(context: Context) -> PartOfSpeech:
    prev, nxt = context.prev(), context.next()
    if prev in ADVERB_BEFORE_MORE:
        return "adjective"
    if nxt in ING_ADJECTIVE_NOUNS and not is_nounish(context.next(2)):
        # "managing director", "leading practice"; but "managing partner expectations"
        return "adjective"
    if prev in ARTICLES or prev.endswith("'s"):
        if is_nounish(nxt):
            return "adjective"
        return "noun" if nxt in ("of", "") or not nxt[:1].isalpha() else "verb"
    if context.after_hyphen and is_nounish(nxt):
        return "adjective"
    return "verb"


def _ed(context: Context) -> PartOfSpeech:
    prev, nxt = context.prev(), context.next()
    if context.after_hyphen:
        return "adjective"
    if nxt == "by" or _after_auxiliary(context):
        return "verb"
    if prev in MODALS or prev in SUBJECT_PRONOUNS:
        return "verb"
    if is_nounish(nxt):
        if prev in DETERMINERS or prev.endswith("'s") or _is_adverb(prev):
            return "adjective"
        if not prev or not prev[0].isalpha():
            # "Managed services are …", ", managed services"
            return "adjective"
        if is_nounish(prev) and context.prev(2) in PREPOSITIONS:
            # "for Agile managed projects": no finite verb right after a preposition
            return "adjective"
    return "verb"
