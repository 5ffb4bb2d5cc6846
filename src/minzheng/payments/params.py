"""Parameters of payment and review, and who may do what.

Review frequencies (动态管理) [local]: class A (no work capacity or serious illness, stable
income) yearly, class B (stable income) yearly, class C (able to work, irregular income)
quarterly in towns and half-yearly in the countryside. Like the procedure's deadlines they are
read from the assistance standards under the entitlement's programme (keys `review.*`, a value in
months), so an administrator can change them per region and date, and fall back to this table.
"""

from __future__ import annotations

import datetime as dt

from minzheng.accounts.models import Role

REVIEW_DEFAULT_MONTHS = {
    "review.class_a_months": 12,
    "review.class_b_months": 12,
    "review.class_c_urban_months": 3,
    "review.class_c_rural_months": 6,
}

# Programmes paid per person rather than per household.
PER_PERSON_PROGRAMMES = {
    "tekun",
    "disability_living",
    "disability_nursing",
    "old_age_allowance",
    "orphan_allowance",
    "special_care_pension",
}

# Who may change an entitlement (suspend, resume, change, terminate) and confirm a review.
ENTITLEMENT_WRITERS = {Role.TOWNSHIP_CLERK, Role.COUNTY_APPROVER, Role.ADMIN}
# Who computes, approves and exports payrolls and imports bank returns (county level).
PAYROLL_ROLES = {Role.COUNTY_APPROVER, Role.ADMIN}
# Who may run the standards simulator (read-only) and put a simulated change in force.
SIMULATOR_ROLES = {Role.CITY_SECTION, Role.COUNTY_APPROVER, Role.ADMIN, Role.LEADER}


def review_key(review_class: str, urban_rural: str) -> str:
    if review_class == "C":
        return (
            "review.class_c_rural_months"
            if urban_rural == "rural"
            else "review.class_c_urban_months"
        )
    return f"review.class_{review_class.lower()}_months"


def review_months(
    review_class: str, urban_rural: str, *, programme: str, standards: dict | None = None
) -> int:
    """Months between reviews. `standards` is the region's resolved table
    (`StandardsTable.for_path(...)`), whose `review.*` rows override the defaults."""
    key = review_key(review_class, urban_rural)
    resolved = (standards or {}).get(programme, {}).get(key)
    value = getattr(resolved, "value", None)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return REVIEW_DEFAULT_MONTHS[key]


def add_months_to_date(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
