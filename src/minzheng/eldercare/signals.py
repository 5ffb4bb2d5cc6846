"""What the bookings publish (docs/ARCHITECTURE.md, elderly care): modules that act on a service
delivered (the volunteers' hours) subscribe instead of being called by name.

`booking_served` is sent, inside the transaction that established it, once a booking's service is
accepted as delivered: at check-out when the proof shows no anomaly, or when staff release a held
booking on review. Arguments: `booking=` (the booking as saved, `actual_minutes` set) and `at=`
(the moment it was established). A held booking that staff reject is never sent.
"""

from django.dispatch import Signal

booking_served = Signal()

# `booking_moved` is sent, inside the transaction, when a booking is created (action "create",
# from_status "") and each time it moves from one status to another through a service (accepted,
# declined, dispatched, checked in …). Arguments: `booking=` (as saved), `action=` (the
# service's action: "create", "accept", "dispatch", …) and `from_status=`. Subscribers (the notifications to the elderly person) must not raise.
booking_moved = Signal()
