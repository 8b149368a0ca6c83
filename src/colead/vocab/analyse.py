"""Count the lead/manage vocabulary of documents: the discussion paper's Table 1, by part
of speech, by section, with a keyword-in-context line for every hit and the sentences where
an obligation falls on a role.

Pure: documents already read (:mod:`colead.vocab.readers`) in, dataclasses out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from colead.vocab.families import Family, FamilySet
from colead.vocab.obligations import role_obligation, role_pattern
from colead.vocab.pos import PARTS_OF_SPEECH, PartOfSpeech
from colead.vocab.readers import Block, Document
from colead.vocab.taggers import Ambiguous, RuleTagger, Tagger
from colead.vocab.text import Token, count_words, form_key, sentence_spans, tokens

#: characters of context either side of a keyword in the concordance
CONTEXT_CHARS = 60
#: characters either side of a verb form that are tokenised for the rules
_WINDOW_CHARS = 60
#: a form whose part of speech is fixed by the family file, not by a tagger
BY_FORM = "form"
_SPACES = re.compile(r"\s+")


@dataclass
class FamilyCount:
    """Hits of one family: in all, by part of speech and by form (every form listed)."""

    forms: dict[str, int]
    count: int = 0
    nouns: int = 0
    verbs: int = 0
    adjectives: int = 0

    @classmethod
    def empty(cls, family: Family) -> FamilyCount:
        return cls({form: 0 for form in family.forms})

    def add(self, form: str, part_of_speech: PartOfSpeech, n: int = 1) -> None:
        self.count += n
        self.forms[form] = self.forms.get(form, 0) + n
        if part_of_speech == "noun":
            self.nouns += n
        elif part_of_speech == "verb":
            self.verbs += n
        else:
            self.adjectives += n

    def merge(self, other: FamilyCount) -> None:
        self.count += other.count
        self.nouns += other.nouns
        self.verbs += other.verbs
        self.adjectives += other.adjectives
        for form, n in other.forms.items():
            self.forms[form] = self.forms.get(form, 0) + n

    def by_part_of_speech(self) -> dict[PartOfSpeech, int]:
        return {"noun": self.nouns, "verb": self.verbs, "adjective": self.adjectives}


def proportions(families: dict[str, FamilyCount]) -> dict[str, float | None]:
    """Each family's share of all counted words (None when nothing was counted), as in
    the paper's Table 1 ("Lead" 13 %, "Manage" 87 %)."""
    total = sum(c.count for c in families.values())
    return {name: (c.count / total if total else None) for name, c in families.items()}


@dataclass(frozen=True, slots=True)
class Hit:
    """One counted word in its place: a concordance line."""

    file: str
    section: str
    line: int | None
    page: int | None
    left: str
    keyword: str
    right: str
    family: str
    form: str
    part_of_speech: PartOfSpeech
    method: str


@dataclass(frozen=True, slots=True)
class Statement:
    """A sentence of guidance; ``role`` and ``obligation`` are empty for a behaviour."""

    file: str
    section: str
    line: int | None
    page: int | None
    sentence: str
    role: str = ""
    obligation: str = ""


@dataclass
class SectionCounts:
    """Counts of one heading or clause of a document."""

    section: str
    words: int
    families: dict[str, FamilyCount]


@dataclass
class DocumentResult:
    file: str
    kind: str
    words: int
    families: dict[str, FamilyCount]
    sections: list[SectionCounts]
    hits: list[Hit]
    role_obligations: list[Statement]
    behaviours: list[Statement]

    @property
    def proportions(self) -> dict[str, float | None]:
        return proportions(self.families)


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be analysed, and why."""

    file: str
    message: str


@dataclass
class VocabReport:
    """Everything one analysis found: per document, overall, how, and what failed."""

    family_names: tuple[str, ...]
    documents: list[DocumentResult]
    overall: dict[str, FamilyCount]
    method: str
    errors: list[FileError] = field(default_factory=list)

    @property
    def proportions(self) -> dict[str, float | None]:
        return proportions(self.overall)


@dataclass(frozen=True)
class _Lexicon:
    """The families' forms, ready for fast look-up."""

    family_of: dict[str, Family]
    any_form: re.Pattern[str]
    roles: frozenset[str]
    role_obligation: re.Pattern[str]

    @classmethod
    def of(cls, families: FamilySet) -> _Lexicon:
        family_of = families.family_of()
        alternatives = "|".join(sorted(map(re.escape, family_of), key=len, reverse=True))
        any_form = re.compile(rf"(?<![^\W\d_])(?:{alternatives})(?![^\W\d_])", re.IGNORECASE)
        roles = frozenset(f for family in families.families for f in family.nouns)
        return cls(family_of, any_form, roles, role_pattern(roles))


def analyse_documents(
    documents: Iterable[Document],
    families: FamilySet,
    *,
    tagger: Tagger | None = None,
    errors: Sequence[FileError] = (),
) -> VocabReport:
    """Count the families' words in each document and overall.

    Parameters
    ----------
    documents
        documents already read; ``errors`` are files that could not be, carried along so
        the report lists them.
    tagger
        decides the part of speech of verb forms; the built-in rules when None.
    """
    chosen: Tagger = tagger if tagger is not None else RuleTagger()
    lexicon = _Lexicon.of(families)
    results = [_analyse_document(d, families, lexicon, chosen) for d in documents]
    overall = {f.name: FamilyCount.empty(f) for f in families.families}
    for result in results:
        for name, count in result.families.items():
            overall[name].merge(count)
    return VocabReport(families.names, results, overall, chosen.method, list(errors))


def _analyse_document(
    document: Document, families: FamilySet, lexicon: _Lexicon, tagger: Tagger
) -> DocumentResult:
    totals = {f.name: FamilyCount.empty(f) for f in families.families}
    sections: dict[str, SectionCounts] = {}
    result = DocumentResult(document.name, document.kind, 0, totals, [], [], [], [])
    for block in document.blocks:
        section = sections.get(block.section)
        if section is None:
            section = SectionCounts(
                block.section, 0, {f.name: FamilyCount.empty(f) for f in families.families}
            )
            sections[block.section] = section
            result.sections.append(section)
        words = count_words(block.text)
        result.words += words
        section.words += words
        if lexicon.any_form.search(block.text) is None:
            continue
        for start, end in sentence_spans(block.text):
            sentence = block.text[start:end]
            if lexicon.any_form.search(sentence) is None:
                continue
            hits = _sentence_hits(document.name, block, start, sentence, lexicon, tagger)
            for hit in hits:
                totals[hit.family].add(hit.form, hit.part_of_speech)
                section.families[hit.family].add(hit.form, hit.part_of_speech)
            result.hits.extend(hits)
            _collect_statements(result, document.name, block, start, sentence, hits, lexicon)
    return result


def _is_acronym_led(raw: str, sentence: str, end: int) -> bool:
    """An all-capitals "LED" is the light, not the past of "lead" (unless "LED BY")."""
    return raw == "LED" and not sentence[end : end + 4].lstrip().startswith("BY")


def _window(sentence: str, start: int, end: int) -> tuple[list[Token], int]:
    """Tokens around a match (enough words for the rules), with sentence offsets, and the
    index of the token at ``start``. Tokenising a window, not the whole sentence, keeps
    long sentences cheap."""
    left = max(0, start - _WINDOW_CHARS)
    # start the window at a word boundary so no token is cut
    while left > 0 and not sentence[left - 1].isspace():
        left -= 1
    right = min(len(sentence), end + _WINDOW_CHARS)
    while right < len(sentence) and not sentence[right].isspace():
        right += 1  # and end it at one, so the last word is whole
    window = tokens(sentence[left:right], left)
    index = next(i for i, t in enumerate(window) if t.start == start)
    return window, index


def _sentence_hits(
    file: str, block: Block, offset: int, sentence: str, lexicon: _Lexicon, tagger: Tagger
) -> list[Hit]:
    hits = []
    for match in lexicon.any_form.finditer(sentence):
        start, end = match.span()
        raw = match.group()
        if sentence[end : end + 2] in ("'s", "’s"):
            end += 2
            raw = sentence[start:end]
        key = form_key(raw)
        family = lexicon.family_of.get(key)
        if family is None or _is_acronym_led(raw, sentence, end):
            continue
        if key in family.verb_forms:
            window, index = _window(sentence, start, end)
            (part_of_speech,) = tagger.tag(
                sentence, window, [Ambiguous(index, key in family.also_nouns)]
            )
            method = tagger.method
        else:
            part_of_speech = "noun" if key in family.nouns else "adjective"
            method = BY_FORM
        at = offset + start
        after = offset + end
        hits.append(
            Hit(
                file=file,
                section=block.section,
                line=block.line_at(at),
                page=block.page,
                left=_squash(block.text[max(0, at - CONTEXT_CHARS) : at]).lstrip(),
                keyword=raw,
                right=_squash(block.text[after : after + CONTEXT_CHARS]).rstrip(),
                family=family.name,
                form=key,
                part_of_speech=part_of_speech,
                method=method,
            )
        )
    return hits


def _squash(text: str) -> str:
    """Runs of white space (line breaks too) as one space."""
    if "\n" not in text and "  " not in text and "\t" not in text:
        return text
    return _SPACES.sub(" ", text)


def _collect_statements(
    result: DocumentResult,
    file: str,
    block: Block,
    offset: int,
    sentence: str,
    hits: Sequence[Hit],
    lexicon: _Lexicon,
) -> None:
    """File the sentence as role-only guidance or as a behaviour statement, if either."""
    text = _squash(sentence).strip()
    where = (file, block.section, block.line_at(offset), block.page)
    if any(h.form in lexicon.roles for h in hits):
        found = role_obligation(text, lexicon.role_obligation)
        if found is not None:
            result.role_obligations.append(Statement(*where, text, found.role, found.obligation))
            return
    if any(h.part_of_speech == "verb" for h in hits):
        result.behaviours.append(Statement(*where, text))


def part_of_speech_split(counts: FamilyCount) -> dict[PartOfSpeech, float | None]:
    """Each part of speech's share of a family's count (None when the family is absent)."""
    return {
        pos: (n / counts.count if counts.count else None)
        for pos, n in zip(PARTS_OF_SPEECH, counts.by_part_of_speech().values(), strict=True)
    }
