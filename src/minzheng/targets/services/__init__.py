"""Writes of target management: plans (load, copy, import, edit), cascading, reported values and
their approval, supervision cases. Keyword-only, one transaction each, audited.

One module per area (`plans`, `targets`, `reports`, `supervision`, with shared checks in
`common`); this package exports the use cases, so callers write `services.copy_plan(...)`.
"""

from .common import shift_year, to_date, to_decimal, touch_plan
from .plans import (
    PLAN_EDITABLE,
    SEED_2016,
    copy_plan,
    import_plan,
    load_plan,
    load_plan_2016,
    plan_as_data,
    update_plan,
)
from .reports import (
    EVIDENCE_EXTENSIONS,
    MAX_EVIDENCE_BYTES,
    add_evidence,
    definition_scale,
    review_report,
    submit_report,
)
from .supervision import add_case_note, assign_case_owner, close_case, open_case, request_refresh
from .targets import (
    allocate_target,
    allocation_errors,
    cascade_to_children,
    create_target,
    delete_target,
    update_target,
)
from .units import assign_to_units, unit_share_errors

__all__ = [
    "EVIDENCE_EXTENSIONS",
    "MAX_EVIDENCE_BYTES",
    "PLAN_EDITABLE",
    "SEED_2016",
    "add_case_note",
    "add_evidence",
    "allocate_target",
    "allocation_errors",
    "assign_to_units",
    "assign_case_owner",
    "cascade_to_children",
    "close_case",
    "copy_plan",
    "create_target",
    "definition_scale",
    "delete_target",
    "import_plan",
    "load_plan",
    "load_plan_2016",
    "open_case",
    "plan_as_data",
    "request_refresh",
    "review_report",
    "shift_year",
    "submit_report",
    "to_date",
    "to_decimal",
    "touch_plan",
    "update_plan",
    "unit_share_errors",
    "update_target",
]
