"""Ability assessment of older people, MZ/T 039-2013 《老年人能力评估》 (Ministry of Civil Affairs).

Pure functions: scores in, grades out, with the reasons for the result.

Source of the thresholds and of the combination table: the standard's section 5 —
table 2 (日常生活活动, Barthel-type total 0–100: 100 → 0 能力完好, 65–95 → 1 轻度受损,
45–60 → 2 中度受损, ≤ 40 → 3 重度受损), table 3 (精神状态, total of cognition, aggression and
depression, 0–6: 0 → 0, 1 → 1, 2–3 → 2, 4–6 → 3), table 4 (感知觉与沟通, from consciousness,
vision, hearing and communication), table 5 (社会参与, total of five items 0–20: 0–2 → 0,
3–7 → 1, 8–13 → 2, 14–20 → 3) and table 6 (老年人能力等级, the combination below), with its
notes: a person in a coma is graded 3 directly; a diagnosis of dementia or of a mental illness,
or two or more falls, chokings, suicide attempts or wanderings in the last 30 days raise the
grade by one (at most to 3).

Table 6 as published:
  0 能力完好  ADL, mental state and perception all 0, and social participation 0 or 1.
  1 轻度失能  ADL 0 but mental state or perception ≥ 1, or social participation 2;
              or ADL 1 and at least one of mental state, perception, social participation 0 or 1.
  2 中度失能  ADL 1 but mental state, perception and social participation all 2, or one of them 3;
              or ADL 2 and one or two of them 1 or 2.
  3 重度失能  ADL 3; or all four 2; or ADL 2 and at least one of the other three 3.
The text leaves a few combinations to the standard's judgement card (附录D 判定卡); they are
read as follows, always the more severe where two rows apply: ADL 0 with social participation 3
is 1 (ADL 0 never goes beyond 轻度 in the table); ADL 1 with a 3 elsewhere is 2 even when
another dimension is 0 or 1; ADL 2 with the other three all 0, or all in 1–2 but not all 2,
is 2.

docs/DOMAIN.md §5.1: 失能 = grade 3, 半失能 = grades 1–2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

GRADE_LABELS = {0: _("能力完好"), 1: _("轻度失能"), 2: _("中度失能"), 3: _("重度失能")}
DIMENSION_GRADE_LABELS = {0: _("能力完好"), 1: _("轻度受损"), 2: _("中度受损"), 3: _("重度受损")}
DISABILITY_LABELS = {"none": _("自理"), "semi": _("半失能"), "full": _("失能")}
ESCALATIONS = {
    "dementia": _("确诊为认知障碍（痴呆）"),
    "mental_illness": _("确诊为精神疾病"),
    "incidents": _("近30天内发生过2次及以上跌倒、噎食、自杀、走失"),
}
CONSCIOUSNESS = {0: _("神志清醒"), 1: _("嗜睡"), 2: _("昏睡"), 3: _("昏迷")}


class InvalidScore(ValueError):
    def __init__(self, field_name: str, message):
        self.field = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


def _check(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidScore(name, _("应为 %(lo)s 到 %(hi)s 之间的整数") % {"lo": lo, "hi": hi})
    return value


def adl_grade(total: int) -> int:
    """Table 2. The Barthel items score in steps of 5, so a total must be a multiple of 5."""
    _check("adl_score", total, 0, 100)
    if total % 5:
        raise InvalidScore("adl_score", _("日常生活活动总分应为5的倍数"))
    if total == 100:
        return 0
    if total >= 65:
        return 1
    if total >= 45:
        return 2
    return 3


def mental_grade(total: int) -> int:
    """Table 3: cognition, aggressive behaviour and depression, each 0–2."""
    _check("mental_score", total, 0, 6)
    return 0 if total == 0 else 1 if total == 1 else 2 if total <= 3 else 3


def perception_grade(*, consciousness: int, vision: int, hearing: int, communication: int) -> int:
    """Table 4. Consciousness 0 清醒 / 1 嗜睡 / 2 昏睡 / 3 昏迷; vision and hearing 0–4;
    communication 0–3."""
    _check("consciousness", consciousness, 0, 3)
    _check("vision", vision, 0, 4)
    _check("hearing", hearing, 0, 4)
    _check("communication", communication, 0, 3)
    senses = max(vision, hearing)
    if consciousness >= 2 or senses == 4 or communication == 3:
        return 3
    if consciousness == 1 or senses == 3 or communication == 2:
        return 2
    if senses == 2 or communication == 1:
        return 1
    return 0


def social_grade(total: int) -> int:
    """Table 5: living ability, work ability, time/space orientation, person orientation,
    social interaction, each 0–4."""
    _check("social_score", total, 0, 20)
    return 0 if total <= 2 else 1 if total <= 7 else 2 if total <= 13 else 3


def combine(adl: int, mental: int, perception: int, social: int) -> int:
    """Table 6 (see the module docstring for the combinations the text leaves open)."""
    for name, value in (
        ("adl_grade", adl),
        ("mental_grade", mental),
        ("perception_grade", perception),
        ("social_grade", social),
    ):
        _check(name, value, 0, 3)
    others = (mental, perception, social)
    if adl == 3:
        return 3
    if adl == 2:
        if 3 in others or all(g == 2 for g in others):
            return 3
        return 2
    if adl == 1:
        if 3 in others or all(g == 2 for g in others):
            return 2
        return 1
    if mental == 0 and perception == 0 and social <= 1:
        return 0
    return 1


def disability_status(grade: int) -> str:
    """失能 (full) for grade 3, 半失能 (semi) for grades 1–2, otherwise self-caring."""
    return "full" if grade == 3 else "semi" if grade in (1, 2) else "none"


@dataclass(frozen=True)
class Grading:
    adl: int
    mental: int
    perception: int
    social: int
    base: int
    grade: int
    escalations: tuple[str, ...] = ()
    coma: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(GRADE_LABELS[self.grade])

    @property
    def disability(self) -> str:
        return disability_status(self.grade)


def grade_assessment(
    *,
    adl_score: int,
    mental_score: int | None = None,
    mental: int | None = None,
    consciousness: int | None = None,
    vision: int | None = None,
    hearing: int | None = None,
    communication: int | None = None,
    perception: int | None = None,
    social_score: int | None = None,
    social: int | None = None,
    escalations: tuple[str, ...] | list[str] = (),
) -> Grading:
    """Grade from the raw scores, or from dimension grades given directly (mental, perception,
    social 0–3) where the assessor recorded only those."""
    adl = adl_grade(adl_score)
    if mental_score is not None:
        m = mental_grade(mental_score)
    elif mental is not None:
        m = _check("mental_grade", mental, 0, 3)
    else:
        raise InvalidScore("mental_score", _("请填写精神状态总分或分级"))
    coma = consciousness == 3
    if None not in (consciousness, vision, hearing, communication):
        p = perception_grade(
            consciousness=consciousness, vision=vision, hearing=hearing, communication=communication
        )
    elif perception is not None:
        p = _check("perception_grade", perception, 0, 3)
    else:
        raise InvalidScore("perception", _("请填写感知觉与沟通各项评分或分级"))
    if social_score is not None:
        s = social_grade(social_score)
    elif social is not None:
        s = _check("social_grade", social, 0, 3)
    else:
        raise InvalidScore("social_score", _("请填写社会参与总分或分级"))
    unknown = [e for e in escalations if e not in ESCALATIONS]
    if unknown:
        raise InvalidScore("escalations", _("无效选项：%(codes)s") % {"codes": "、".join(unknown)})
    base = combine(adl, m, p, s)
    notes = []
    if coma:
        grade = 3
        notes.append(str(_("处于昏迷状态，直接评定为重度失能")))
    elif escalations:
        grade = min(3, base + 1)
        notes.append(str(_("存在提高等级的情形，在判定等级上提高一级")))
    else:
        grade = base
    return Grading(adl, m, p, s, base, grade, tuple(sorted(set(escalations))), coma, notes)
