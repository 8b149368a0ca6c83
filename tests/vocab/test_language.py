"""Word matching and the part-of-speech rules on the issue's examples."""

from __future__ import annotations

import re

import pytest

from colead.vocab import analyse_uploads, load_families
from colead.vocab.taggers import Ambiguous, RuleTagger
from colead.vocab.text import tokens


def _forms(text: str) -> list[str]:
    report = analyse_uploads([("t.txt", text.encode())], load_families())
    return [h.form for h in report.documents[0].hits]


def test_curly_apostrophes_possessives_and_quotes_are_matched() -> None:
    assert _forms("The leader’s role, the leaders’ view and ‘leadership’ matter.") == [
        "leader",
        "leaders",
        "leadership",
    ]


def test_led_only_as_a_word_and_not_the_light() -> None:
    assert _forms("She was misled; the tabled plan was LED lighting, then led by us.") == ["led"]
    assert _forms("PROJECT LED BY THE CLIENT") == ["led"]


def test_hyphenated_words_are_split_and_line_end_hyphens_joined() -> None:
    assert _forms("A consultant-led review and a co-lead.") == ["led", "lead"]
    assert _forms("Good lead-\nership and manage-\nment, a well-\nknown fact.") == [
        "leadership",
        "management",
    ]


def _tag(sentence: str, target: str, occurrence: int = 1) -> str:
    toks = tokens(sentence)
    index = [i for i, t in enumerate(toks) if t.key == target][occurrence - 1]
    family = load_families().family_of()[target]
    return RuleTagger().tag(sentence, toks, [Ambiguous(index, target in family.also_nouns)])[0]


@pytest.mark.parametrize(
    ("sentence", "target", "expected"),
    [
        ("This is a leading practice in the sector.", "leading", "adjective"),
        ("She is leading the review.", "leading", "verb"),
        ("Leading change takes time.", "leading", "verb"),
        ("UK research is world leading.", "leading", "adjective"),
        ("The lead will report monthly.", "lead", "noun"),
        ("The lead agency signs the contract.", "lead", "adjective"),
        ("Managers should lead by example.", "lead", "verb"),
        ("To lead well, listen first.", "lead", "verb"),
        ("Lead the review with the partner.", "lead", "verb"),
        ("The project lead is responsible for the plan.", "lead", "noun"),
        ("Team leads meet weekly.", "leads", "noun"),
        ("This approach leads to lock-in.", "leads", "verb"),
        ("The work was led by the supplier.", "led", "verb"),
        ("A consultant-led review was held.", "led", "adjective"),
        ("They chose a managed service for the helpdesk.", "managed", "adjective"),
        ("The risk is managed jointly.", "managed", "verb"),
        ("We managed the contract.", "managed", "verb"),
        ("The managing director signed.", "managing", "adjective"),
        ("Managing risk is everyone's job.", "managing", "verb"),
        ("Partners manage risk together.", "manage", "verb"),
        ("The client manages the budget.", "manages", "verb"),
        ("The lead's view was heard.", "lead", "noun"),
    ],
)
def test_the_rules_on_typical_sentences(sentence: str, target: str, expected: str) -> None:
    assert _tag(sentence, target) == expected


def test_fixed_forms_are_tagged_by_the_family_file() -> None:
    report = analyse_uploads([("t.txt", b"Managerial leadership.")], load_families())
    hits = report.documents[0].hits
    assert [(h.form, h.part_of_speech, h.method) for h in hits] == [
        ("managerial", "adjective", "form"),
        ("leadership", "noun", "form"),
    ]


class _FakeToken:
    def __init__(self, idx: int, pos: str, dep: str = "") -> None:
        self.idx, self.pos_, self.dep_ = idx, pos, dep


def test_a_spacy_pipeline_decides_when_chosen_and_is_reported() -> None:
    from colead.vocab import analyse_uploads
    from colead.vocab.taggers import SpacyTagger

    text = "Leaders lead. A managed service."
    calls: list[str] = []

    def pipeline(sentence: str) -> list[_FakeToken]:
        calls.append(sentence)
        # a stand-in for a spaCy Doc: tokens with their offset, coarse tag and relation
        tags = {"lead": ("VERB", ""), "managed": ("VERB", "amod"), "Leaders": ("NOUN", "")}
        return [
            _FakeToken(m.start(), *tags.get(m.group(), ("X", "")))
            for m in re.finditer(r"\w+", sentence)
        ]

    report = analyse_uploads(
        [("t.txt", text.encode())], load_families(), SpacyTagger("fake_model", pipeline)
    )
    assert report.method == "spacy:fake_model"
    hits = report.documents[0].hits
    assert [(h.form, h.part_of_speech, h.method) for h in hits] == [
        ("leaders", "noun", "form"),
        ("lead", "verb", "spacy:fake_model"),
        ("managed", "adjective", "spacy:fake_model"),
    ]
    assert calls == ["Leaders lead.", "A managed service."]
