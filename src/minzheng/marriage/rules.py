"""The legal rules of marriage registration as plain functions (docs/DOMAIN.md §12.1).

- Legal age on the day of registration: men 22, women 20 (Civil Code art. 1047).
- Prohibited kinship (art. 1048): direct blood relatives, or collateral blood relatives within
  three generations (siblings, uncle/aunt and nephew/niece, first cousins). The population
  registry knows kinship only through households: each member's relation to the head. Two people
  who were ever members of the same household are related as their two relations imply; the
  relations that are not blood of the head (spouse, child-in-law, other) imply nothing.
- Divorce by agreement (art. 1077): the registry receives the application on day D; either party
  may withdraw within 30 days (D+1 .. D+30, the cooling-off); within the following 30 days
  (D+31 .. D+60) both must come in person to confirm, otherwise the application counts as
  withdrawn.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

LEGAL_AGE = {"M": 22, "F": 20}
COOLING_DAYS = 30
CONFIRM_DAYS = 30


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on `day` (someone born on 29 February comes of age on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def of_legal_age(sex: str, birth: dt.date, day: dt.date) -> bool:
    return age_on(birth, day) >= LEGAL_AGE[sex]


def cooling_ends_on(applied_on: dt.date) -> dt.date:
    return applied_on + dt.timedelta(days=COOLING_DAYS)


def confirm_by(applied_on: dt.date) -> dt.date:
    return cooling_ends_on(applied_on) + dt.timedelta(days=CONFIRM_DAYS)


# Each blood relation to the head: (line, generation relative to the head). "line" is "direct"
# for the head's own line of ancestors and descendants, "sibling" for the head's siblings.
_BLOOD = {
    "head": ("direct", 0),
    "parent": ("direct", -1),
    "grandparent": ("direct", -2),
    "child": ("direct", 1),
    "grandchild": ("direct", 2),
    "sibling": ("sibling", 0),
}

DIRECT = _("直系血亲")
COLLATERAL = _("三代以内旁系血亲")
EITHER = _("直系血亲或三代以内旁系血亲")


def prohibited_kinship(relation_a: str, relation_b: str) -> str:
    """The prohibited kinship two members of one household have by their relations to its head,
    or "" when none is implied. Worked through:

    - head with parent/grandparent/child/grandchild: direct.
    - two of the head's ancestors of one generation (father and mother): spouses, nothing;
      of different generations (parent and grandparent): direct.
    - two children: siblings (collateral, 2nd generation); two grandchildren: siblings or first
      cousins (collateral within three generations); a child and a grandchild: parent and child
      or uncle/aunt and nephew/niece, prohibited either way.
    - an ancestor and a descendant of the head: direct.
    - a sibling of the head with the head, another sibling or a child: collateral; with a parent
      or grandparent: direct; with a grandchild: the grandchild's common ancestor with them is
      four generations up, so nothing.
    """
    a, b = _BLOOD.get(relation_a), _BLOOD.get(relation_b)
    if a is None or b is None:
        return ""
    (line_a, gen_a), (line_b, gen_b) = a, b
    if line_a == "sibling" and line_b == "sibling":
        return str(COLLATERAL)
    if line_a == "sibling" or line_b == "sibling":
        gen = gen_b if line_a == "sibling" else gen_a
        if gen < 0:
            return str(DIRECT)
        if gen in (0, 1):
            return str(COLLATERAL)
        return ""
    if gen_a == gen_b:
        # Both descendants of one generation: siblings or cousins; ancestors: a couple; the head
        # cannot appear twice.
        return str(COLLATERAL) if gen_a > 0 else ""
    if gen_a > 0 and gen_b > 0:
        return str(EITHER)  # child and grandchild: parent/child or uncle/nephew
    return str(DIRECT)
