"""Milestones of a complaint, for other modules to subscribe to in their `apps.py` (the register
imports none of them). Every signal is sent with `sender=Complaint` once the transaction that made
the change has committed, with the keyword arguments:

- `complaint`: the `complaints.Complaint` as saved;
- `by`: the account that acted (a staff account or the resident), or None for the system.

`complaint_transferred` adds `from_region` and `from_unit` (the office it left; unit may be None);
`complaint_rated` adds `satisfaction` (one of `models.Satisfaction`).
"""

from django.dispatch import Signal

complaint_received = Signal()
complaint_accepted = Signal()
complaint_not_accepted = Signal()
complaint_transferred = Signal()
complaint_extended = Signal()
complaint_investigated = Signal()
complaint_replied = Signal()
complaint_rated = Signal()
complaint_review_requested = Signal()
complaint_review_answered = Signal()
complaint_closed = Signal()
