"""What adoption registration publishes (other modules subscribe in their apps.py)."""

from django.dispatch import Signal

# Sent inside the approval's transaction with `adoption` (child, adopter, adopter_spouse,
# decided_on): the children register records the child's new guardian.
adoption_registered = Signal()
