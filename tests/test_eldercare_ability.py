"""Ability grading against MZ/T 039-2013: each dimension's thresholds (tables 2–5), the
combination table (table 6) row by row, and the notes (coma, escalation)."""

import pytest

from minzheng.eldercare import ability

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize(
    "total, grade",
    [
        (100, 0),
        (95, 1),
        (65, 1),
        (60, 2),
        (45, 2),
        (40, 3),
        (0, 3),
    ],
)
def test_adl_thresholds(total, grade):
    assert ability.adl_grade(total) == grade


@pytest.mark.parametrize("bad", [-5, 105, 62, True, "100"])
def test_adl_rejects_impossible_totals(bad):
    with pytest.raises(ability.InvalidScore):
        ability.adl_grade(bad)


@pytest.mark.parametrize("total, grade", [(0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (6, 3)])
def test_mental_state_thresholds(total, grade):
    assert ability.mental_grade(total) == grade


@pytest.mark.parametrize(
    "total, grade", [(0, 0), (2, 0), (3, 1), (7, 1), (8, 2), (13, 2), (14, 3), (20, 3)]
)
def test_social_participation_thresholds(total, grade):
    assert ability.social_grade(total) == grade


@pytest.mark.parametrize(
    "consciousness, vision, hearing, communication, grade",
    [
        (0, 0, 1, 0, 0),  # clear, senses 0–1, communication 0
        (0, 2, 0, 0, 1),  # vision 2
        (0, 0, 0, 1, 1),  # communication 1
        (0, 3, 1, 0, 2),  # vision 3
        (0, 1, 1, 2, 2),  # communication 2
        (1, 0, 0, 0, 2),  # drowsy
        (1, 3, 3, 2, 2),  # drowsy, still within 3 / 2
        (0, 4, 0, 0, 3),  # blind
        (1, 0, 0, 3, 3),  # drowsy, no communication
        (2, 0, 0, 0, 3),  # stupor
        (3, 0, 0, 0, 3),  # coma
    ],
)
def test_perception_table(consciousness, vision, hearing, communication, grade):
    assert (
        ability.perception_grade(
            consciousness=consciousness, vision=vision, hearing=hearing, communication=communication
        )
        == grade
    )


# (ADL, mental, perception, social) -> overall grade, with the table 6 row each case exercises.
COMBINATIONS = [
    ((0, 0, 0, 0), 0),  # all 0
    ((0, 0, 0, 1), 0),  # social 0 or 1
    ((0, 1, 0, 0), 1),  # ADL 0, mental ≥ 1
    ((0, 0, 2, 1), 1),  # ADL 0, perception ≥ 1
    ((0, 0, 0, 2), 1),  # ADL 0, social 2
    ((0, 3, 3, 3), 1),  # ADL 0 never beyond mild
    ((0, 0, 0, 3), 1),  # the gap: social 3 with ADL 0 read as mild
    ((1, 0, 0, 0), 1),  # ADL 1, at least one 0 or 1
    ((1, 1, 2, 2), 1),
    ((1, 2, 2, 2), 2),  # ADL 1, all three 2
    ((1, 3, 0, 0), 2),  # ADL 1, one 3 (more severe row wins)
    ((1, 0, 0, 3), 2),
    ((2, 1, 0, 0), 2),  # ADL 2, one or two at 1–2
    ((2, 2, 2, 0), 2),
    ((2, 0, 0, 0), 2),  # the gap: ADL 2 alone read as moderate
    ((2, 1, 2, 2), 2),  # three at 1–2, not all 2
    ((2, 2, 2, 2), 3),  # all four 2
    ((2, 0, 3, 0), 3),  # ADL 2 and a 3
    ((3, 0, 0, 0), 3),  # ADL 3
]


@pytest.mark.parametrize("grades, overall", COMBINATIONS)
def test_combination_table(grades, overall):
    assert ability.combine(*grades) == overall


def test_every_combination_has_a_grade_and_is_monotone():
    """No combination is left without a grade, and a worse dimension never improves the grade."""
    import itertools

    for grades in itertools.product(range(4), repeat=4):
        overall = ability.combine(*grades)
        assert overall in (0, 1, 2, 3)
        for i in range(4):
            if grades[i] < 3:
                worse = list(grades)
                worse[i] += 1
                assert ability.combine(*worse) >= overall, (grades, worse)


def test_grading_from_raw_scores_and_notes():
    g = ability.grade_assessment(
        adl_score=70,
        mental_score=1,
        consciousness=0,
        vision=1,
        hearing=2,
        communication=0,
        social_score=5,
    )
    assert (g.adl, g.mental, g.perception, g.social, g.grade) == (1, 1, 1, 1, 1)
    assert g.disability == "semi" and g.label == "轻度失能"
    # Dementia raises the grade by one.
    g = ability.grade_assessment(
        adl_score=70,
        mental_score=1,
        consciousness=0,
        vision=1,
        hearing=2,
        communication=0,
        social_score=5,
        escalations=["dementia"],
    )
    assert (g.base, g.grade) == (1, 2)
    # Two reasons still raise by one only, and never beyond 3.
    g = ability.grade_assessment(
        adl_score=40, mental=0, perception=0, social=0, escalations=["dementia", "incidents"]
    )
    assert (g.base, g.grade, g.disability) == (3, 3, "full")
    # Coma: severe whatever the rest.
    g = ability.grade_assessment(
        adl_score=100,
        mental_score=0,
        consciousness=3,
        vision=0,
        hearing=0,
        communication=0,
        social_score=0,
    )
    assert g.grade == 3 and g.coma
    assert ability.disability_status(0) == "none" and ability.disability_status(2) == "semi"


def test_grading_needs_every_dimension():
    with pytest.raises(ability.InvalidScore) as exc:
        ability.grade_assessment(adl_score=100, mental_score=0, social_score=0)
    assert exc.value.field == "perception"
    with pytest.raises(ability.InvalidScore) as exc:
        ability.grade_assessment(
            adl_score=100, mental=0, perception=0, social=0, escalations=["unknown"]
        )
    assert exc.value.field == "escalations"
