"""JSON API of elderly care, mounted at /api/v1/eldercare.

Records outside the caller's reach read as 404 (a provider sees only its own orders; a resident
only the elderly of their household); a role that may not act gets 403; an action the record's
state does not allow 409; invalid input 422 naming the field. Money is in yuan (strings with two
decimals), months are "YYYY-MM", times ISO 8601.

One router per area, combined here under the one eldercare router; request bodies live in
`schemas`, the JSON shapes of the records in `outputs`.
"""

from ninja import Router

from . import allowance, bookings, elderly, indicators, institutions, providers, settlements

router = Router(tags=["eldercare"])
for area in (elderly, allowance, providers, bookings, settlements, institutions, indicators):
    router.add_router("", area.router)
