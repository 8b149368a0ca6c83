"""Taggers: who decides the part of speech of a verb form in a sentence.

:class:`RuleTagger` applies the rules of :mod:`colead.vocab.pos`. :class:`SpacyTagger`
asks a spaCy pipeline the user has installed (``--nlp spacy:MODEL``); spaCy is not a
dependency of colead, so it is imported only then, and a missing package or model is a
clear error rather than a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from colead.errors import ConfigurationError
from colead.vocab.pos import Context, PartOfSpeech, rule_part_of_speech
from colead.vocab.text import Token

RULES = "rules"
_CONTEXT_BEFORE = 4
_CONTEXT_AFTER = 3


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A verb form to tag: its token index in the sentence and whether it can be a noun."""

    index: int
    can_be_noun: bool


class Tagger(Protocol):
    @property
    def method(self) -> str:
        """Reported with every result: "rules" or "spacy:MODEL"."""
        ...

    def tag(
        self, sentence: str, tokens: Sequence[Token], forms: Sequence[Ambiguous]
    ) -> list[PartOfSpeech]:
        """The part of speech of each of ``forms`` in ``sentence``."""
        ...


def rule_context(sentence: str, tokens: Sequence[Token], index: int) -> Context:
    """The words around ``tokens[index]`` as the rules read them."""
    token = tokens[index]
    after_hyphen = (
        token.start >= 2
        and sentence[token.start - 1] == "-"
        and sentence[token.start - 2].isalpha()
    )
    shouting = sentence.isupper()

    def key(t: Token) -> str:
        # "IT", "AM", "US" in capitals are names, not the pronouns "it", "am", "us"
        return t.raw if len(t.raw) > 1 and t.raw.isupper() and not shouting else t.key

    before = [key(t) for t in tokens[max(0, index - _CONTEXT_BEFORE - 1) : index]]
    if after_hyphen and before and before[-1] == "-":
        before.pop()  # "co-lead": the word before the hyphen is the previous word
    after = [key(t) for t in tokens[index + 1 : index + 1 + _CONTEXT_AFTER]]
    possessive = token.raw.lower().replace("’", "'").endswith("'s") or (
        index + 1 < len(tokens)
        and tokens[index + 1].raw in ("'", "’")
        and tokens[index + 1].start == token.end
        and token.key.endswith("s")
    )
    return Context(before[-_CONTEXT_BEFORE:], after, after_hyphen, possessive)


@dataclass(frozen=True)
class RuleTagger:
    method: str = RULES

    def tag(
        self, sentence: str, tokens: Sequence[Token], forms: Sequence[Ambiguous]
    ) -> list[PartOfSpeech]:
        return [
            rule_part_of_speech(
                tokens[f.index].key, rule_context(sentence, tokens, f.index), f.can_be_noun
            )
            for f in forms
        ]


_SPACY_POS: dict[str, PartOfSpeech] = {
    "NOUN": "noun",
    "PROPN": "noun",
    "VERB": "verb",
    "AUX": "verb",
    "ADJ": "adjective",
}


@dataclass
class SpacyTagger:
    """Tags with a spaCy pipeline; tokens spaCy cannot place fall back to the rules."""

    model: str
    nlp: Any = field(repr=False, default=None)
    _last: tuple[str, Any] | None = field(repr=False, default=None)

    @property
    def method(self) -> str:
        return f"spacy:{self.model}"

    def tag(
        self, sentence: str, tokens: Sequence[Token], forms: Sequence[Ambiguous]
    ) -> list[PartOfSpeech]:
        if self._last is None or self._last[0] != sentence:
            self._last = (sentence, self.nlp(sentence))  # several forms in one sentence
        parsed = self._last[1]
        by_start = {t.idx: t for t in parsed}
        tags: list[PartOfSpeech] = []
        for f in forms:
            token = tokens[f.index]
            found = by_start.get(token.start)
            pos = _SPACY_POS.get(found.pos_) if found is not None else None
            if found is not None and pos == "verb" and found.dep_ == "amod":
                pos = "adjective"  # participles before a noun: "a managed service"
            if pos is None:
                pos = rule_part_of_speech(
                    token.key, rule_context(sentence, tokens, f.index), f.can_be_noun
                )
            tags.append(pos)
        return tags


def make_tagger(nlp: str | None) -> Tagger:
    """The tagger for ``--nlp``: None or "rules" for the rules, "spacy:MODEL" for spaCy.

    Raises
    ------
    ConfigurationError
        for an unknown value, or when spaCy or the model is not installed.
    """
    if nlp is None or nlp == RULES:
        return RuleTagger()
    kind, _, model = nlp.partition(":")
    if kind != "spacy" or not model:
        raise ConfigurationError(
            f"Unknown part-of-speech method {nlp!r}.",
            "Use --nlp rules (the default) or --nlp spacy:MODEL, e.g. spacy:en_core_web_sm.",
        )
    try:
        import spacy  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigurationError(
            "spaCy is not installed, so --nlp spacy:... cannot be used.",
            f"Install it (pip install spacy) and the model (python -m spacy download "
            f"{model}), or leave out --nlp to use the built-in rules.",
        ) from None
    try:
        pipeline = spacy.load(model, disable=["ner", "lemmatizer", "textcat"])
    except OSError:
        raise ConfigurationError(
            f"The spaCy model {model!r} is not installed.",
            f"Install it with: python -m spacy download {model}",
        ) from None
    return SpacyTagger(model, pipeline)
