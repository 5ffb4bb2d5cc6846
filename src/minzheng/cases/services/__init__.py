"""Writes of the application procedure: one function per action, keyword-only, one transaction.

Every action locks the case row, checks who may act (role, region, own case), checks the stage
through the state machine, writes its records, one CaseEvent and one audit event. Acts carry the
date they happened (`on`, default today): staff may record an act done earlier on paper, never a
future one and never before the current stage began.

The actions live by stage (`intake`, `stages`, `decision`), with the shared checks in `guards`
and the holiday arrangement in `calendar`; this package exports them all, so callers write
`services.apply(...)`.
"""

from .calendar import remove_holiday, set_holiday
from .decision import (
    complete_emergency_paperwork,
    county_decision,
    declare_staff_relative,
    grant_emergency,
    record_spot_check,
    withdraw,
)
from .guards import APPROVER, CLERK, VERIFIER, VILLAGE, stage_due_date
from .intake import (
    EXCLUSIVE_PROGRAMMES,
    MAX_DOCUMENT_BYTES,
    MAX_FACTS_BYTES,
    accept,
    apply,
    check_not_duplicate,
    complete_materials,
    duplicate_open_case_error,
    exclusive_with,
    next_case_number,
    record_authorisation,
    record_authorisation_scan,
    submit_application,
    upload_document,
)
from .medical import BillFields, add_medical_bill, freeze_case_payouts, validate_bill
from .settlements import load_settlement_file, template_csv
from .stages import (
    close_publicity,
    file_objection,
    record_appraisal,
    record_investigation,
    record_verification,
    resolve_objection,
    spot_check_draw,
    township_review,
)

__all__ = [
    "APPROVER",
    "CLERK",
    "EXCLUSIVE_PROGRAMMES",
    "MAX_DOCUMENT_BYTES",
    "MAX_FACTS_BYTES",
    "VERIFIER",
    "VILLAGE",
    "BillFields",
    "accept",
    "add_medical_bill",
    "freeze_case_payouts",
    "load_settlement_file",
    "template_csv",
    "validate_bill",
    "apply",
    "check_not_duplicate",
    "close_publicity",
    "complete_emergency_paperwork",
    "complete_materials",
    "county_decision",
    "declare_staff_relative",
    "duplicate_open_case_error",
    "exclusive_with",
    "file_objection",
    "grant_emergency",
    "next_case_number",
    "record_appraisal",
    "record_authorisation",
    "record_authorisation_scan",
    "record_investigation",
    "record_spot_check",
    "record_verification",
    "remove_holiday",
    "resolve_objection",
    "set_holiday",
    "spot_check_draw",
    "stage_due_date",
    "submit_application",
    "township_review",
    "upload_document",
    "withdraw",
]
