"""What payments does when an application moves on. Cases publish their transitions (django-fsm
`post_transition`, sent inside the service's transaction); payments subscribes in its AppConfig,
so the cases module never imports payments."""

from __future__ import annotations

from django.dispatch import Signal

from minzheng.cases.models import Case


def on_case_transition(sender, instance=None, name: str = "", **kwargs) -> None:
    if sender is not Case or instance is None:
        return
    if name == "approve":
        from . import oneoff
        from .services import on_case_approved

        # A monthly programme becomes an entitlement, a one-off one a payable (each ignores the other).
        on_case_approved(instance)
        oneoff.on_case_approved(instance)
    elif name == "grant_emergency":
        from . import oneoff

        # Emergency help already handed over: shown with the payments, never paid again.
        oneoff.on_emergency_granted(instance)


# Sent by a module that finds a beneficiary's income undeclared (verification, when staff
# confirm an income finding): payments turns it into a recovery proposal, one per entitlement of
# the household paid for the months concerned. Arguments (keywords): household_id, person_id,
# first_month and last_month (dates, first days), monthly_income_fen, reference (a stable key of
# the finding, so sending it again adds nothing), note, user. Connected in payments/apps.py.
income_found = Signal()


def on_income_found(sender, **kwargs) -> None:
    from .recovery import propose_from_income

    propose_from_income(**{k: v for k, v in kwargs.items() if k != "signal"})


# Sent, inside the import's transaction, once a bank return has been matched: the payments it
# marked paid or failed carry its id (`bank_return=`). `kind` is "payroll" (monthly lines, the
# return a payments.BankReturn) or "oneoff" (one-off items, a payments.OneOffReturn). A return
# imported twice is sent once. Subscribers (the residents' notifications, satisfaction surveys)
# read the lines set-based and must not raise.
payments_returned = Signal()
