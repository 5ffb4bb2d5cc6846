"""Writes of notifications: queue messages (`notify`, `notify_many`), send the due ones
(`dispatch`), resend a failed one, and a recipient's opt-outs.

A message is queued once per trigger (its dedup key is unique; the same event published twice
adds nothing). When queued it is already `suppressed` if its recipient opted out of its kind (or
of all), and is then never sent. The dispatcher (a job on the worker, scheduled every minute by
`minzheng notifications_dispatch`) sends the queued messages whose time has come through
`core.messaging.send_sms`, the one pluggable sender, in batches: inside the quiet hours they are
`held` until the hours end, then sent; a failed hand-over is retried after 5, 10, 20, 40 minutes
(doubling) and the message is `failed` after the 5th failure. Staff may queue a failed one again
(audited)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minzheng.core import audit
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.core.messaging import MessagingError, send_sms

from . import params
from .kinds import get_kind
from .models import Notification, OptOut, Status
from .permissions import may_resend

log = logging.getLogger(__name__)


def _row_fields(row: dict) -> dict:
    return {
        "person_id": row.get("person_id"),
        "user_id": row.get("user_id"),
        "region_id": row.get("region_id"),
        "phone": (row.get("phone") or "").strip()[:20],
        "subject_type": row.get("subject_type") or "",
        "subject_id": str(row.get("subject_id") or ""),
        "link": row.get("link") or "",
    }


def _key(value) -> str:
    return "" if value is None else str(value)


def _subject(subject) -> tuple[str, str]:
    if subject is None:
        return "", ""
    return subject._meta.label_lower, str(subject.pk)


def _phone_of(person, user) -> str:
    """The recipient's mobile number as on record now: the person's, else the account's, else
    the account holder's in the registry."""
    phone = (getattr(person, "phone", "") or getattr(user, "phone", "") or "").strip()
    if not phone and user is not None and getattr(user, "person_id", None):
        phone = (user.person.phone or "").strip()
    return phone


def notify(
    *,
    kind: str,
    dedup: str,
    person=None,
    user=None,
    phone: str = "",
    subject=None,
    link: str = "",
    region=None,
    text_params: dict | None = None,
    now: dt.datetime | None = None,
) -> Notification | None:
    """Queue one message of a registered `kind` to a person and/or an account. `dedup` names the
    trigger (e.g. "case_accepted:1234"): a second call with it adds nothing and returns None.
    The phone defaults to the person's (or the account's) number."""
    phone = phone or _phone_of(person, user)
    subject_type, subject_id = _subject(subject)
    created = notify_many(
        kind,
        [
            {
                "dedup": dedup,
                "person_id": getattr(person, "pk", None),
                "user_id": getattr(user, "pk", None),
                "phone": phone,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "link": link,
                "region_id": getattr(region, "pk", None),
                "params": text_params or {},
            }
        ],
        now=now,
    )
    return Notification.objects.filter(dedup_key=f"{kind}:{dedup}").first() if created else None


def _render(spec, text_params, language) -> str:
    with language:
        return spec.render(text_params)


def opted_out(kind: str, person_ids: Iterable, user_ids: Iterable) -> tuple[set, set]:
    """The persons and accounts among those given who refuse `kind` (or all kinds)."""
    spec = get_kind(kind)
    if not spec.opt_out:
        return set(), set()
    person_ids = {p for p in person_ids if p}
    user_ids = {u for u in user_ids if u}
    if not person_ids and not user_ids:
        return set(), set()
    rows = OptOut.objects.filter(kind__in=("", kind)).filter(
        Q(person_id__in=person_ids) | Q(person__isnull=True, user_id__in=user_ids)
    )
    persons, users = set(), set()
    for person_id, user_id in rows.values_list("person_id", "user_id"):
        if person_id:
            persons.add(person_id)
        else:
            users.add(user_id)
    return persons, users


def notify_many(kind: str, rows: list[dict], *, now: dt.datetime | None = None) -> int:
    """Queue many messages of one kind at once (a payroll's bank return): each row a dict with
    `dedup`, `params` and any of person_id, user_id, phone, subject_type, subject_id, link,
    region_id. Set-based: one query for the opt-outs, one bulk insert that skips triggers already
    notified. Returns how many rows were new."""
    if not rows:
        return 0
    spec = get_kind(kind)
    now = now or timezone.now()
    language = translation.override(settings.LANGUAGE_CODE)  # the message is always Chinese
    persons, users = opted_out(
        kind, (r.get("person_id") for r in rows), (r.get("user_id") for r in rows)
    )
    keys = [f"{kind}:{r['dedup']}"[:200] for r in rows]
    existing = set()
    for start in range(0, len(keys), 1000):
        existing |= set(
            Notification.objects.filter(dedup_key__in=keys[start : start + 1000]).values_list(
                "dedup_key", flat=True
            )
        )
    new = []
    for key, row in zip(keys, rows, strict=True):
        if key in existing:
            continue
        existing.add(key)
        refused = row.get("person_id") in persons or (
            not row.get("person_id") and row.get("user_id") in users
        )
        new.append(
            Notification(
                kind=kind,
                text=_render(spec, row.get("params"), language),
                status=Status.SUPPRESSED if refused else Status.QUEUED,
                next_attempt_at=None if refused else now,
                created_at=now,
                dedup_key=key,
                **_row_fields(row),
            )
        )
    Notification.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


# ---------------------------------------------------------------- quiet hours and dispatch


def quiet_until(moment: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours `moment` lies in (an aware datetime), or None outside them."""
    hours = params.quiet_hours()
    if hours is None:
        return None
    start, end = hours
    local = timezone.localtime(moment)
    t = local.time()
    if start <= end:
        inside = start <= t < end
        end_day = local.date()
    else:  # across midnight
        inside = t >= start or t < end
        end_day = local.date() + dt.timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return timezone.make_aware(dt.datetime.combine(end_day, end), local.tzinfo)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed hand-over: 5, 10, 20, 40 … minutes."""
    return dt.timedelta(minutes=params.backoff_minutes() * 2 ** (attempts - 1))


def dispatch(*, now: dt.datetime | None = None, batch: int | None = None, progress=None) -> dict:
    """Send every message due at `now`, in batches; returns the counts by outcome."""
    now = now or timezone.now()
    batch = batch or params.batch_size()
    counts = {"sent": 0, "retry": 0, "failed": 0, "held": 0}
    until = quiet_until(now)
    if until is not None:
        counts["held"] = Notification.objects.filter(
            status=Status.QUEUED, next_attempt_at__lte=now
        ).update(status=Status.HELD, next_attempt_at=until)
        return counts
    # The quiet hours are over for the held ones whose time came.
    Notification.objects.filter(status=Status.HELD, next_attempt_at__lte=now).update(
        status=Status.QUEUED
    )
    # No number, nothing to send to: failed at once, with the reason.
    counts["failed"] += Notification.objects.filter(
        status=Status.QUEUED, next_attempt_at__lte=now, phone=""
    ).update(status=Status.FAILED, next_attempt_at=None, last_error="无手机号码")
    limit = params.max_attempts()
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(status=Status.QUEUED, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")[:batch]
            )
            if not rows:
                break
            for n in rows:
                n.attempts += 1
                try:
                    send_sms(phone=n.phone, text=n.text, purpose=f"notice:{n.kind}")
                except MessagingError as exc:
                    n.last_error = str(exc)[:300]
                    if n.attempts >= limit:
                        n.status, n.next_attempt_at = Status.FAILED, None
                        counts["failed"] += 1
                    else:
                        n.next_attempt_at = now + backoff(n.attempts)
                        counts["retry"] += 1
                else:
                    n.status, n.sent_at, n.next_attempt_at, n.last_error = (
                        Status.SENT,
                        now,
                        None,
                        "",
                    )
                    counts["sent"] += 1
            Notification.objects.bulk_update(
                rows, ["status", "attempts", "next_attempt_at", "last_error", "sent_at"]
            )
        if progress:
            progress(counts)
        if len(rows) < batch:
            break
    return counts


@transaction.atomic
def resend(*, user, notification: Notification, now: dt.datetime | None = None) -> Notification:
    """Staff queue a failed message again (from its first attempt), audited."""
    if not may_resend(user):
        raise PermissionDeniedError(_("当前账号无权重发消息"))
    n = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("person", "user")
        .get(pk=notification.pk)
    )
    if n.status != Status.FAILED:
        raise ServiceError({"status": [_("只有发送失败的消息可以重发")]}, status=409)
    # To the recipient's number as it is now: a message that failed for want of a number goes
    # out once the registry (or the account) has one.
    phone = _phone_of(n.person, n.user) or n.phone
    if not phone:
        raise ServiceError(
            {"phone": [_("收件人没有登记手机号码，请先在人员或账号信息中补充后再重发")]},
            status=409,
        )
    with audit.audited(n, note=_("重发失败的消息")):
        n.status = Status.QUEUED
        n.phone = phone
        n.attempts = 0
        n.next_attempt_at = now or timezone.now()
        n.last_error = ""
        n.save(update_fields=["status", "phone", "attempts", "next_attempt_at", "last_error"])
    return n


# ---------------------------------------------------------------- preferences


def _recipient(user) -> dict:
    if user.person_id:
        return {"person_id": user.person_id}
    return {"person_id": None, "user_id": user.pk}


def refused_kinds(user) -> set[str]:
    """The kinds the account's holder refuses ("" = all)."""
    return set(OptOut.objects.filter(**_recipient(user)).values_list("kind", flat=True))


@transaction.atomic
def set_preferences(*, user, refuse_all: bool, refused: Iterable[str]) -> set[str]:
    """Replace the holder's opt-outs: all messages, or the listed kinds (those a resident may
    refuse). Audited as one change."""
    from .kinds import all_kinds

    allowed = {k.code for k in all_kinds() if k.opt_out}
    refused = set(refused)
    unknown = refused - allowed
    if unknown:
        raise ServiceError(
            {"refused": [_("消息类别无效：%(k)s") % {"k": "、".join(sorted(unknown))}]}
        )
    wanted = {""} if refuse_all else refused
    before = refused_kinds(user)
    who = _recipient(user)
    OptOut.objects.filter(**who).exclude(kind__in=wanted).delete()
    OptOut.objects.bulk_create(
        [OptOut(user_id=user.pk, person_id=who["person_id"], kind=k) for k in wanted - before]
    )
    audit.record(
        "update",
        object_type="notifications.optout",
        object_id=str(user.pk),
        object_repr=_("消息退订设置"),
        before={"refused": sorted(before)},
        after={"refused": sorted(wanted)},
    )
    return wanted
