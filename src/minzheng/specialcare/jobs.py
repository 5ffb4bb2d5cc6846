"""Background jobs of special care, found by name by core.jobs (so a worker process knows them):
the county's "confirm every due pension" (tens of thousands of records in a large county take a
minute), with its progress on the job page. Idempotent: a job run again confirms only what is
still unconfirmed."""

from django.utils.translation import gettext_lazy as _

from minzheng.accounts.models import User
from minzheng.core import jobs
from minzheng.core.jobs import job
from minzheng.regions.models import Region

from . import benefits

CONFIRM_JOB = "specialcare.confirm_due_pensions"


@job(CONFIRM_JOB, _("批量确认优抚定期抚恤补助"))
def confirm_due_pensions(ctx, *, county_id: int, user_id: int) -> dict:
    county = Region.objects.get(pk=county_id)
    user = User.objects.get(pk=user_id)
    ctx.progress(0, None, str(_("确认中")))
    result = benefits.confirm_all_due(user=user, county=county)
    ctx.progress(
        result["confirmed"],
        result["confirmed"],
        str(_("确认 %(confirmed)s 人，未能确认 %(skipped)s 人") % result),
        force=True,
    )
    # The job page lists the result's keys as they are: counts only, the message says the rest.
    return {"confirmed": result["confirmed"], "skipped": result["skipped"]}


def enqueue_confirm_due(*, user, county: Region):
    """Queue the county's bulk confirmation (the page and the API); the caller checked the user's
    right to the county."""
    return jobs.enqueue(
        CONFIRM_JOB,
        params={"county_id": county.pk, "user_id": user.pk},
        user=user,
        region=county,
        title=_("批量确认优抚定期抚恤补助：%(c)s") % {"c": county.name},
    )
