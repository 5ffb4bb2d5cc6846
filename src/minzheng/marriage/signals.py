"""What marriage registration publishes for other modules (they subscribe in their apps.py)."""

from django.dispatch import Signal

# Sent inside the registration's transaction with `marriage`.
marriage_registered = Signal()
# Sent inside the divorce registration's transaction with `divorce`.
divorce_registered = Signal()
