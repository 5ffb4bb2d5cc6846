"""What the roster publishes (docs/ARCHITECTURE.md, special care): modules that hang on a recipient's
record (the benefits) subscribe instead of being called by name.

`recipient_changed` is sent, inside the approval's transaction, after a `RecipientChange` was
approved and applied to its `Recipient`, with `recipient=` (the record as changed) and `change=`
(the approved change).
"""

from django.dispatch import Signal

recipient_changed = Signal()
