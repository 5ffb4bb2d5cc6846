"""Jobs of notifications: send the due messages (every minute), remind the households whose
periodic review is near (daily). Both are idempotent: a message is sent once (its status moves
on in the batch's transaction) and a reminder is queued once per review date."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from minzheng.core.jobs import job

from . import handlers, services

DISPATCH_KIND = "notifications.dispatch"
REVIEW_DUE_KIND = "notifications.review_due"


@job(DISPATCH_KIND, _("发送待发消息"))
def dispatch_due(ctx, **params) -> dict:
    def progress(counts):
        done = counts["sent"] + counts["failed"] + counts["retry"]
        ctx.progress(done, None, _("已发送 %(n)s 条") % {"n": counts["sent"]})

    return services.dispatch(progress=progress)


@job(REVIEW_DUE_KIND, _("生成待遇复核提醒"))
def review_due(ctx, *, date: str = "") -> dict:
    on = dt.date.fromisoformat(date) if date else None
    return {"queued": handlers.review_due_scan(on)}
