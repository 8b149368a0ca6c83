"""The built-in framework (default.yaml): structure, mapping and item-writing rules."""

from __future__ import annotations

import re

from colead.framework import Framework, Item, RatedUnit, load_framework

LEADERSHIP_SCALES = [
    ("model", "Role model the way"),
    ("inspire", "Inspire a collaborative vision"),
    ("challenge", "Challenge the status quo"),
    ("enable", "Enable the collaborative team"),
    ("encourage", "Encourage others"),
]
MANAGEMENT_SCALES = [
    ("plan", "Plan and organise"),
    ("govern", "Run agreed joint processes and governance"),
    ("monitor", "Monitor performance and act"),
    ("competence", "Ensure competence"),
    ("comply", "Maintain practices, risk and compliance"),
]
SYSTEMS_SCALES = [
    ("context", "4", 3),
    ("commitment", "5", 3),
    ("planning", "6", 3),
    ("support", "7", 3),
    ("awareness", "8.2", 2),
    ("knowledge", "8.3", 2),
    ("assessment", "8.4", 2),
    ("selection", "8.5", 2),
    ("working_together", "8.6", 2),
    ("value_creation", "8.7", 2),
    ("staying_together", "8.8", 2),
    ("exit_strategy", "8.9", 2),
    ("evaluation", "9", 3),
    ("improvement", "10", 3),
]
COMPETENCES = [
    ("strategic_thinking", ["inspire", "challenge", "enable"]),
    ("team_orientation", ["model", "enable", "encourage"]),
    ("committed_collaborator", ["model", "inspire", "enable"]),
    ("effective_communication", ["model", "inspire", "enable", "encourage"]),
    ("open_to_sharing", ["model", "enable", "encourage"]),
    ("creative_innovator", ["challenge"]),
    ("empathetic_to_others", ["enable", "encourage"]),
    ("relationship_builder", ["model", "enable", "encourage"]),
    ("change_agent", ["inspire", "challenge", "enable"]),
    ("solution_seeker", ["challenge"]),
    ("coach_mentor", ["model", "enable", "encourage"]),
]
#: marks per row of the source table; the only part of its layout that survived
SOURCE_MARKS_PER_ROW = [3, 3, 3, 4, 3, 1, 2, 3, 3, 1, 3]

JUDGEMENT_WORDS = {
    "excellent",
    "outstanding",
    "great",
    "always",
    "never",
    "effectively",
    "successfully",
    "effective",
    "successful",
    "brilliant",
    "perfect",
    "superb",
    "poor",
    "poorly",
}
JARGON_WORDS = {"stakeholder", "stakeholders", "synergy", "leverage", "kpi", "kpis", "paradigm"}
#: words that place an item across the client-supplier boundary
BOUNDARY = re.compile(
    r"\b(partner|partner's|joint|both|shared|relationship|organisations?|programme|side)\b"
)


def _framework() -> Framework:
    return load_framework()


def _person_items(framework: Framework) -> list[Item]:
    return [
        item
        for family in framework.families
        if family.rates is RatedUnit.person
        for scale in family.scales
        for item in scale.items
    ]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def _self_verb_matches(observer_verb: str, self_verb: str) -> bool:
    """'Tells'/'tell', 'Passes'/'pass', 'Tries'/'try', 'Says'/'say'."""
    observer_verb = observer_verb.lower()
    return observer_verb in {
        self_verb + "s",
        self_verb + "es",
        self_verb[:-1] + "ies" if self_verb.endswith("y") else None,
    }


def test_default_loads_with_identity() -> None:
    framework = _framework()
    assert framework.id == "colead_default"
    assert framework.version == "1.0.0"
    assert framework.title
    assert framework.description


def test_two_thirds_answered_is_enough_for_every_scale_length() -> None:
    fraction = _framework().min_answered_fraction
    for answered, total in [(2, 3), (4, 6), (3, 4), (2, 2)]:
        assert answered / total >= fraction, (answered, total)
    for answered, total in [(1, 2), (1, 3), (3, 6), (2, 4)]:
        assert answered / total < fraction, (answered, total)


def test_families_in_order() -> None:
    framework = _framework()
    assert [f.id for f in framework.families] == ["leadership", "management", "systems"]
    assert [f.rates for f in framework.families] == [
        RatedUnit.person,
        RatedUnit.person,
        RatedUnit.site,
    ]


def test_leadership_scales_have_six_items_each() -> None:
    family = _framework().family("leadership")
    assert [(s.id, s.title) for s in family.scales] == LEADERSHIP_SCALES
    for scale in family.scales:
        assert len(scale.items) == 6, scale.id
        assert scale.description


def test_management_scales_have_four_items_each() -> None:
    family = _framework().family("management")
    assert [(s.id, s.title) for s in family.scales] == MANAGEMENT_SCALES
    for scale in family.scales:
        assert len(scale.items) == 4, scale.id
        assert scale.description


def test_systems_scales_cover_every_clause() -> None:
    family = _framework().family("systems")
    got = [(s.id, s.clause, len(s.items)) for s in family.scales]
    assert got == SYSTEMS_SCALES
    clauses = {s.clause for s in family.scales}
    expected = {"4", "5", "6", "7", "9", "10"} | {f"8.{n}" for n in range(2, 10)}
    assert clauses == expected
    for scale in family.scales:
        assert scale.title
        for item in scale.items:
            assert item.clause == scale.clause, item.id


def test_item_totals() -> None:
    framework = _framework()
    counts = {f.id: sum(len(s.items) for s in f.scales) for f in framework.families}
    assert counts == {"leadership": 30, "management": 20, "systems": 34}
    assert len(framework.item_ids) == 84
    assert len(set(framework.item_ids)) == 84


def test_item_ids_are_scale_and_consecutive_number() -> None:
    for scale in _framework().scales:
        assert [i.id for i in scale.items] == [
            f"{scale.id}_{n}" for n in range(1, len(scale.items) + 1)
        ]


def test_item_ids_follow_file_order() -> None:
    framework = _framework()
    expected = tuple(
        item.id for family in framework.families for scale in family.scales for item in scale.items
    )
    assert framework.item_ids == expected
    assert framework.item_ids[0] == "model_1"
    assert framework.item_ids[-1] == "improvement_3"
    assert framework.item_scale[framework.item_ids.index("plan_1")] == "plan"


def test_competence_mapping_is_the_documented_reconstruction() -> None:
    framework = _framework()
    assert [(c.id, c.practices) for c in framework.competences] == COMPETENCES
    assert [len(c.practices) for c in framework.competences] == SOURCE_MARKS_PER_ROW
    leadership = {s.id for s in framework.family("leadership").scales}
    for competence in framework.competences:
        assert competence.title
        assert set(competence.practices) <= leadership
        assert len(set(competence.practices)) == len(competence.practices)


def test_competence_note_explains_the_reconstruction() -> None:
    note = _framework().competence_note
    assert note is not None
    assert "8.45" in note
    assert "reconstruction" in note
    assert "3, 3, 3, 4, 3, 1, 2, 3, 3, 1, 3" in note


def test_every_text_is_at_most_twenty_words() -> None:
    for item in _framework().items:
        for text in (item.text, item.self_text):
            if text is not None:
                assert len(text.split()) <= 20, (item.id, text)


def test_person_items_start_with_a_third_person_verb() -> None:
    for item in _person_items(_framework()):
        first = item.text.split()[0]
        assert first[0].isupper(), item.id
        assert first.endswith("s"), (item.id, first)
        assert first.lower() not in {"is", "has", "this", "his", "hers", "its"}, item.id


def test_person_self_text_is_the_same_behaviour_in_first_person() -> None:
    for item in _person_items(_framework()):
        assert item.self_text is not None, item.id
        assert item.self_text.startswith("I "), item.id
        observer_verb, observer_rest = item.text.split(" ", 1)
        _, self_verb, self_rest = item.self_text.split(" ", 2)
        assert _self_verb_matches(observer_verb, self_verb), (item.id, observer_verb, self_verb)
        assert observer_rest == self_rest, item.id


def test_person_items_cross_the_organisation_boundary() -> None:
    for item in _person_items(_framework()):
        assert BOUNDARY.search(item.text.lower()), (item.id, item.text)


def test_site_items_are_about_the_site_with_no_self_wording() -> None:
    family = _framework().family("systems")
    for scale in family.scales:
        for item in scale.items:
            assert item.self_text is None, item.id
            assert "this site" in item.text.lower(), item.id


def test_no_judgement_words_or_jargon() -> None:
    for item in _framework().items:
        for text in (item.text, item.self_text):
            if text is None:
                continue
            words = set(_words(text))
            assert not words & JUDGEMENT_WORDS, (item.id, words & JUDGEMENT_WORDS)
            assert not words & JARGON_WORDS, (item.id, words & JARGON_WORDS)


def test_no_double_barrelled_items() -> None:
    for item in _framework().items:
        for text in (item.text, item.self_text):
            if text is None:
                continue
            padded = f" {text.lower()} "
            assert " and " not in padded, (item.id, text)
            assert " or " not in padded, (item.id, text)


def test_texts_are_unique() -> None:
    texts = [item.text for item in _framework().items]
    assert len(texts) == len(set(texts))


def test_response_scale_is_five_point_frequency() -> None:
    scale = _framework().response_scale
    assert [(p.value, p.label) for p in scale.points] == [
        (1, "Almost never"),
        (2, "Rarely"),
        (3, "Sometimes"),
        (4, "Often"),
        (5, "Almost always"),
    ]
    assert scale.not_observed_label == "Not observed"
    assert (scale.minimum, scale.maximum) == (1, 5)


def test_two_comment_questions_with_self_prompts() -> None:
    comments = _framework().comments
    assert [c.id for c in comments] == ["comment_strengths", "comment_suggestions"]
    for comment in comments:
        assert comment.prompt.endswith("?")
        assert comment.self_prompt is not None
        assert comment.self_prompt.endswith("?")
        assert "you" in comment.self_prompt.lower().split()


def test_continuum_is_passion_and_system() -> None:
    framework = _framework()
    continuum = framework.continuum
    assert continuum is not None
    assert continuum.passion == "leadership"
    assert continuum.system == "management"
    low, high = framework.response_scale.minimum, framework.response_scale.maximum
    assert low < continuum.threshold < high
    assert continuum.threshold == 3.5


def test_fingerprint_is_stable_across_loads() -> None:
    first, second = load_framework(), load_framework()
    assert first is not second
    assert first.fingerprint == second.fingerprint
    assert re.fullmatch(r"[0-9a-f]{16}", first.fingerprint)
    assert first.label == "colead_default 1.0.0"


def test_every_person_scale_has_several_development_actions() -> None:
    framework = _framework()
    for family in framework.families:
        for scale in family.scales:
            if family.rates is RatedUnit.person:
                assert len(scale.actions) >= 3, scale.id
            else:
                assert scale.actions == [], scale.id
    assert framework.has_actions


def test_action_ids_are_scale_and_consecutive_number() -> None:
    for scale in _framework().scales:
        ids = [action.id for action in scale.actions]
        assert ids == [f"{scale.id}_action_{k}" for k in range(1, len(ids) + 1)]


def test_actions_are_plain_second_person_steps() -> None:
    framework = _framework()
    item_texts = {item.text for item in framework.items}
    texts = [action.text for scale in framework.scales for action in scale.actions]
    assert len(texts) == len(set(texts))
    for text in texts:
        first = text.split()[0]
        assert first[0].isupper(), text
        assert first.lower() not in {"i", "this", "you", "they"}, text
        assert len(text.split()) <= 25, text
        words = set(_words(text))
        assert not words & JUDGEMENT_WORDS, (text, words & JUDGEMENT_WORDS)
        assert not words & JARGON_WORDS, (text, words & JARGON_WORDS)
        assert text not in item_texts
