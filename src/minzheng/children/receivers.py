"""What the children register does when other modules publish events (connected in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from minzheng.core import audit

from .models import ChildRecord


def record_adoption(sender, adoption, **kwargs) -> None:
    """An adoption registered by the county bureau (adoption.signals.adoption_registered): a
    child on the register now has the adoptive parent as guardian (Civil Code art. 1111), noted
    on the record with the certificate number. A child not on the register is left alone."""
    record = ChildRecord.objects.select_for_update().filter(person_id=adoption.child_id).first()
    if record is None:
        return
    with audit.audited(record, note=_("收养登记：%(no)s") % {"no": adoption.certificate_no}):
        record.guardian = adoption.adopter
        record.guardian_name = adoption.adopter.name
        record.guardian_relation = _("养父母")
        record.guardian_phone = adoption.adopter.phone or ""
        record.save(
            update_fields=[
                "guardian",
                "guardian_name",
                "guardian_relation",
                "guardian_phone",
                "updated_at",
            ]
        )
