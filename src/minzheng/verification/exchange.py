"""Online exchange with the departments (docs/DOMAIN.md §4: batch requests go to each source,
departments answer within 5 working days).

A run started with the exchange asks every department whose source the rules read for the people
of the run's households (one DepartmentRequest per source), waits in "awaiting replies", and is
queued for comparison once every request is settled: answered (the reply is a batch of that
source, checked by the same import path as an uploaded file, refused as a whole when any row is
wrong so that the department corrects and answers again), or marked "no reply" by a person after
the deadline. A source marked "no reply" is not compared: the run then reports it missing
(部分核对) instead of reading an older delivery as if the department had answered.

The deadline is 5 working days after the day the request was sent, on the holiday calendar
(cases.working_days); a reply on the deadline day is on time, one after it late. How a request
goes out and how a reply comes back depends on the source's adapter (adapters.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.accounts.models import Role
from minzheng.cases import clock
from minzheng.cases.working_days import add_working_days
from minzheng.core import audit, crypto, jobs, sheets
from minzheng.core.errors import PermissionDeniedError, ServiceError
from minzheng.people.models import Person

from . import imports
from .models import DepartmentRequest, DepartmentToken, Run, SourceAdapter, SourceBatch
from .rules import RULES
from .sources import DEPARTMENT_SOURCE_CODES, SOURCE_BY_CODE, SOURCE_CODES

REPLY_WORKING_DAYS = 5
EXCHANGE_STAFF = {Role.VERIFICATION_CENTRE, Role.ADMIN}
ADAPTER_ADMINS = {Role.ADMIN}
PULL_JOB = "verification.pull"
REPLY_JOB = "verification.reply"

# What a request is, as staff read it (status plus the deadline).
AWAITING, OVERDUE, ON_TIME, LATE, NO_REPLY = "awaiting", "overdue", "on_time", "late", "no_reply"
STATE_LABELS = {
    AWAITING: gettext_lazy("待回复"),
    OVERDUE: gettext_lazy("超期未回复"),
    ON_TIME: gettext_lazy("已按期回复"),
    LATE: gettext_lazy("已回复（超期）"),
    NO_REPLY: gettext_lazy("未回复（已确认不再等待）"),
}

# What each department is told about a person: the ID number and name, and the household number
# only to those who answer about households.
REQUEST_COLUMNS = {"hukou": ("household_number",), "beneficiaries": ("household_number",)}
COLUMN_LABELS = {
    "id_number": gettext_lazy("身份证号码"),
    "name": gettext_lazy("姓名"),
    "household_number": gettext_lazy("家庭编号"),
}


def _require(user, roles: set, message: str) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDeniedError(_("请先登录"))
    if user.is_superuser:
        return
    if user.role not in roles or not user.can_write:
        raise PermissionDeniedError(message)


def state_of(request: DepartmentRequest, today: dt.date | None = None) -> str:
    if request.status == DepartmentRequest.Status.NO_REPLY:
        return NO_REPLY
    if request.status == DepartmentRequest.Status.ANSWERED:
        return LATE if request.answered_on and request.answered_on > request.due_on else ON_TIME
    today = today or clock.today()
    return OVERDUE if today > request.due_on else AWAITING


def state_label(state: str) -> str:
    return str(STATE_LABELS[state])


def run_exchange_state(run: Run, today: dt.date | None = None) -> str:
    """The run's exchange in one word: overdue while any department is late, awaiting while any
    is within its deadline, answered once every request is settled ('' without requests)."""
    states = [state_of(r, today) for r in run.requests.all()]
    if not states:
        return ""
    if OVERDUE in states:
        return OVERDUE
    if AWAITING in states:
        return AWAITING
    return "answered"


def requested_sources() -> list[str]:
    """The department sources a run's rules read, in the order sources are listed."""
    needed = {code for rule in RULES for code in rule.sources} & set(DEPARTMENT_SOURCE_CODES)
    return sorted(needed, key=SOURCE_CODES.index)


def adapter_kinds() -> dict[str, str]:
    return dict(SourceAdapter.objects.values_list("source", "kind"))


# --------------------------------------------------------------------------------------------
# Who is asked about


def request_people(run: Run) -> list[dict]:
    """The current members of the run's households: household, ID number and name (decrypted:
    the departments look people up by their ID numbers)."""
    from . import runs

    households, _skipped, _cases = runs.collect_households(run)
    members = runs.load_members(households)
    numbers = dict(
        zip(households["household_id"].to_pylist(), households["household_number"].to_pylist())
    )
    pairs = list(zip(members["household_id"].to_pylist(), members["person_id"].to_pylist()))
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=[pid for _h, pid in pairs]).only(
            "pk", "name", "id_cipher"
        )
    }
    rows = []
    for household_id, person_id in sorted(pairs):
        person = people[person_id]
        rows.append(
            {
                "household_id": household_id,
                "household_number": numbers.get(household_id, ""),
                "person_id": person_id,
                "id_number": person.id_number,
                "name": person.name,
            }
        )
    return rows


def columns_for(source: str) -> tuple[str, ...]:
    return ("id_number", "name", *REQUEST_COLUMNS.get(source, ()))


def rows_for(source: str, people: list[dict]) -> list[dict]:
    """Only what the department needs, each person once."""
    columns, seen, rows = columns_for(source), set(), []
    for person in people:
        if person["person_id"] in seen and "household_number" not in columns:
            continue
        seen.add(person["person_id"])
        rows.append({c: person[c] for c in columns})
    return rows


def request_file(request: DepartmentRequest, people: list[dict]) -> bytes:
    """The request as an Excel file (the one export writer: no formulas, text cells)."""
    source = SOURCE_BY_CODE[request.source]
    wb = sheets.workbook()
    ws = wb.active
    ws.title = str(_("核对请求"))[:31]
    sheets.append(
        ws,
        [
            _("核对请求 %(ref)s：%(source)s（%(dept)s），请于 %(due)s 前回复")
            % {
                "ref": request.reference,
                "source": source.label,
                "dept": source.department,
                "due": request.due_on.isoformat(),
            }
        ],
    )
    columns = columns_for(request.source)
    sheets.append(ws, [str(COLUMN_LABELS[c]) for c in columns])
    for row in rows_for(request.source, people):
        sheets.append(ws, [row[c] for c in columns])
    return sheets.xlsx_bytes(wb)


def record_people_read(*, request: DepartmentRequest, count: int, channel: str) -> None:
    """Every read of a request's ID numbers leaves an audit event (file, API)."""
    with transaction.atomic():
        audit.record(
            "export",
            obj=request,
            object_repr=str(request)[:200],
            after={"people": count, "format": channel},
            note=_("读取核对请求名单"),
        )


# --------------------------------------------------------------------------------------------
# Starting, sending, replies


def create_requests(run: Run, *, user, today: dt.date | None = None) -> list[DepartmentRequest]:
    """One request per department source the rules read (inside start_run's transaction).
    Requests to a pulled source are sent (fetched) once the run is committed."""
    today = today or clock.today()
    people = request_people(run)
    if not people:
        return []
    kinds = adapter_kinds()
    due = add_working_days(today, REPLY_WORKING_DAYS)
    households = len({p["household_id"] for p in people})
    members = len({p["person_id"] for p in people})
    now = timezone.now()
    created = DepartmentRequest.objects.bulk_create(
        [
            DepartmentRequest(
                run=run,
                source=code,
                adapter=kinds.get(code, SourceAdapter.Kind.FILE),
                households=households,
                members=members,
                sent_on=today,
                due_on=due,
                last_sent_at=now,
            )
            for code in requested_sources()
        ]
    )
    audit.record(
        "create",
        object_type="verification.departmentrequest",
        object_id=run.reference,
        object_repr=_("核对请求 %(ref)s") % {"ref": run.reference},
        region_code=run.region.code,
        after={
            "sources": [r.source for r in created],
            "households": households,
            "members": members,
            "sent_on": today,
            "due_on": due,
        },
        note=_("向各部门发送核对请求"),
    )
    for request in created:
        if request.adapter == SourceAdapter.Kind.PULL:
            _enqueue_pull(request, user=user)
    return created


def _enqueue_pull(request: DepartmentRequest, *, user) -> object:
    job_row = jobs.enqueue(
        PULL_JOB,
        params={"request_id": request.pk},
        user=user,
        region=request.run.region,
        title=(
            _("拉取部门回复：%(ref)s %(source)s")
            % {"ref": request.run.reference, "source": request.get_source_display()}
        )[:200],
    )
    DepartmentRequest.objects.filter(pk=request.pk).update(job=job_row)
    request.job = job_row
    return job_row


def _locked(request: DepartmentRequest) -> DepartmentRequest:
    return (
        DepartmentRequest.objects.select_for_update(of=("self",))
        .select_related("run", "run__region")
        .get(pk=request.pk)
    )


def _check_open(request: DepartmentRequest) -> None:
    if request.status != DepartmentRequest.Status.AWAITING:
        raise ServiceError(
            {"request": [_("该核对请求已%(status)s，不再接收") % {"status": _settled(request)}]},
            status=409,
        )
    if request.run.status != Run.Status.AWAITING:
        raise ServiceError({"request": [_("该核对任务已不在等待部门回复")]}, status=409)


def _settled(request: DepartmentRequest) -> str:
    return str(request.get_status_display())


@transaction.atomic
def send(*, user, request: DepartmentRequest):
    """Send again: a pulled source is fetched now (a job); for a file or pushed source it records
    that the request went out again (the deadline stays that of the first sending)."""
    _require(user, EXCHANGE_STAFF, _("只有核对中心可以发送核对请求"))
    request = _locked(request)
    _check_open(request)
    kind = SourceAdapter.objects.filter(source=request.source).values_list("kind", flat=True)
    request.adapter = kind.first() or SourceAdapter.Kind.FILE
    with audit.audited(request, object_repr=str(request)[:200]) as change:
        request.sends += 1
        request.last_sent_at = timezone.now()
        request.save(update_fields=["adapter", "sends", "last_sent_at"])
        change.note = _("重新发送核对请求")
    job_row = None
    if request.adapter == SourceAdapter.Kind.PULL:
        job_row = _enqueue_pull(request, user=user)
    return request, job_row


def _settle_run(run: Run, *, user) -> bool:
    """Queue the comparison once no request is awaiting; True when it was queued."""
    from . import services

    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.status != Run.Status.AWAITING:
        return False
    if run.requests.filter(status=DepartmentRequest.Status.AWAITING).exists():
        return False
    services.queue_run(run, user=user if getattr(user, "is_authenticated", False) else None)
    return True


def record_error(request: DepartmentRequest, message: str) -> None:
    with transaction.atomic():
        request = _locked(request)
        request.last_error = message[:2000]
        request.save(update_fields=["last_error"])
        audit.record(
            "update",
            obj=request,
            object_repr=str(request)[:200],
            after={"last_error": message[:500]},
            note=_("部门回复未能取得"),
        )


def rows_to_csv(rows) -> bytes:
    """A reply given as JSON records (objects keyed by column code or Chinese header) as the CSV
    the import reads, so it passes the same checks as a file."""
    if isinstance(rows, dict) and isinstance(rows.get("rows"), list):
        rows = rows["rows"]
    if not isinstance(rows, list) or any(not isinstance(r, dict) for r in rows):
        raise ServiceError(
            {"rows": [_("回复数据应为记录数组（每条记录一个对象），或含 rows 数组的对象")]}
        )
    header: list[str] = []
    for row in rows:
        for key in row:
            if key not in header:
                header.append(str(key))
    # Through the shared writer like any file the platform writes; the reader takes off the
    # apostrophe it puts before a formula character.
    return sheets.csv_bytes(
        (["" if row.get(k) is None else str(row.get(k)) for k in header] for row in rows),
        header=header,
        bom=False,
    )


def json_to_csv(data: bytes) -> bytes:
    try:
        rows = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ServiceError({"rows": [_("回复内容不是有效的 JSON")]}) from None
    return rows_to_csv(rows)


def all_errors(batch: SourceBatch) -> list[dict]:
    """Every rejected row of a batch (the batch row keeps the first ones; the report all)."""
    if not batch.error_report:
        return list(batch.errors)
    path = imports.batch_path(SourceBatch(path=batch.error_report))
    try:
        rows = sheets.csv_rows(path.read_bytes())
    except (OSError, sheets.SheetError):
        return list(batch.errors)
    return [
        {"row": int(r[0]), "column": r[1], "value": r[2], "message": r[3]}
        for r in rows[1:]
        if len(r) >= 4 and str(r[0]).isdigit()
    ]


def record_reply(
    *,
    request: DepartmentRequest,
    data: bytes,
    original_name: str,
    via: str,
    user=None,
    as_of: dt.date | None = None,
    job=None,
) -> SourceBatch:
    """Check and store a department's reply; answers the request when every row passes, and
    queues the run's comparison when it was the last one awaited. A reply with any wrong row is
    stored as a rejected batch (with its error report) and the request keeps waiting."""
    request = DepartmentRequest.objects.select_related("run", "run__region").get(pk=request.pk)
    _check_open(request)
    today = clock.today()
    batch = imports.import_file(
        source=request.source,
        path=data,
        as_of=as_of or today,
        provider=request.run.reference,
        original_name=original_name,
        mode=SourceBatch.Mode.ALL_OR_NOTHING,
        user=user if getattr(user, "is_authenticated", False) else None,
        job=job,
        today=today,
        reply=True,
    )
    with transaction.atomic():
        request = _locked(request)
        _check_open(request)
        if batch.status != SourceBatch.Status.IMPORTED:
            wrong = len({e["row"] for e in all_errors(batch)}) or batch.rows_rejected
            request.last_error = _(
                "回复数据有 %(n)s 条记录错误，整批未导入；请部门改正后重新回复"
            ) % {"n": wrong}
            request.batch = batch
            request.save(update_fields=["last_error", "batch"])
            audit.record(
                "update",
                obj=request,
                object_repr=str(request)[:200],
                after={"batch": batch.pk, "rows_rejected": batch.rows_rejected, "via": via},
                note=_("部门回复有错误，未接收"),
            )
            return batch
        with audit.audited(request, object_repr=str(request)[:200]) as change:
            request.status = DepartmentRequest.Status.ANSWERED
            request.answered_on = today
            request.answered_via = via
            request.batch = batch
            request.last_error = ""
            if user is not None and getattr(user, "is_authenticated", False):
                request.settled_by = user
            request.save()
            change.note = state_label(state_of(request, today))
        _settle_run(request.run, user=user)
    return batch


@transaction.atomic
def mark_no_reply(*, user, request: DepartmentRequest, note: str) -> DepartmentRequest:
    """Proceed without a department that did not answer by its deadline: a person decides and
    writes why; the run then compares without that source and says so."""
    _require(user, EXCHANGE_STAFF, _("只有核对中心可以标记部门未回复"))
    note = (note or "").strip()
    if not note:
        raise ServiceError({"note": [_("请写明未回复的情况（如联系部门的经过）")]})
    request = _locked(request)
    _check_open(request)
    today = clock.today()
    if today <= request.due_on:
        raise ServiceError(
            {
                "request": [
                    _("回复期限 %(due)s 未过，不能标记为未回复")
                    % {"due": request.due_on.isoformat()}
                ]
            },
            status=409,
        )
    with audit.audited(request, object_repr=str(request)[:200]) as change:
        request.status = DepartmentRequest.Status.NO_REPLY
        request.note = note[:4000]
        request.settled_by = user
        request.save(update_fields=["status", "note", "settled_by"])
        change.note = _("部门未回复，经办人确认不再等待")
    _settle_run(request.run, user=user)
    return request


def batches_for_run(run: Run) -> dict[str, list[SourceBatch]] | None:
    """The batches a run with requests compares: each answered department's reply, nothing for a
    department that did not answer. None for a run without requests (it reads the current
    deliveries)."""
    requests = list(run.requests.select_related("batch"))
    if not requests:
        return None
    return {
        r.source: [r.batch]
        for r in requests
        if r.status == DepartmentRequest.Status.ANSWERED
        and r.batch is not None
        and r.batch.status == SourceBatch.Status.IMPORTED
    }


# --------------------------------------------------------------------------------------------
# Adapters and department credentials (administrators)


@transaction.atomic
def configure_adapter(
    *, user, source: str, kind: str, url: str = "", token: str = "", timeout: int = 30
) -> SourceAdapter:
    _require(user, ADAPTER_ADMINS, _("只有系统管理员可以配置部门数据交换方式"))
    if source not in DEPARTMENT_SOURCE_CODES:
        raise ServiceError({"source": [_("数据来源无效")]})
    if kind not in SourceAdapter.Kind.values:
        raise ServiceError({"kind": [_("交换方式无效")]})
    url = (url or "").strip()
    if kind == SourceAdapter.Kind.PULL:
        if not url.startswith(("http://", "https://")):
            raise ServiceError(
                {"url": [_("接口拉取须填写以 http:// 或 https:// 开头的部门接口地址")]}
            )
        if not 1 <= int(timeout) <= 600:
            raise ServiceError({"timeout": [_("超时应为 1 到 600 秒")]})
    adapter, created = SourceAdapter.objects.select_for_update().get_or_create(source=source)
    with audit.audited(adapter, object_repr=str(adapter.get_source_display())) as change:
        adapter.kind = kind
        adapter.url = url if kind == SourceAdapter.Kind.PULL else ""
        adapter.timeout = int(timeout)
        if token:
            adapter.token_cipher = crypto.encrypt(token)
        elif kind != SourceAdapter.Kind.PULL:
            adapter.token_cipher = ""
        adapter.updated_by = user
        adapter.save()
        change.note = _("配置部门数据交换方式：%(kind)s") % {"kind": adapter.get_kind_display()}
    return adapter


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def issue_token(*, user, source: str, name: str) -> tuple[DepartmentToken, str]:
    """A new credential for a department (the secret is shown once; only its hash is kept)."""
    _require(user, ADAPTER_ADMINS, _("只有系统管理员可以签发部门接口令牌"))
    if source not in DEPARTMENT_SOURCE_CODES:
        raise ServiceError({"source": [_("数据来源无效")]})
    name = (name or "").strip()
    if not name:
        raise ServiceError({"name": [_("请填写令牌名称（如使用该令牌的部门系统）")]})
    secret = f"MZD-{secrets.token_urlsafe(32)}"
    token = DepartmentToken.objects.create(
        source=source,
        name=name[:100],
        prefix=secret[:12],
        key_hash=hash_secret(secret),
        created_by=user,
    )
    audit.record_created(token, note=_("签发部门接口令牌"))
    return token, secret


@transaction.atomic
def revoke_token(*, user, token: DepartmentToken) -> DepartmentToken:
    _require(user, ADAPTER_ADMINS, _("只有系统管理员可以吊销部门接口令牌"))
    token = DepartmentToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ServiceError({"token": [_("该令牌已吊销")]}, status=409)
    with audit.audited(token, object_repr=str(token)[:200]) as change:
        token.revoked_at = timezone.now()
        token.revoked_by = user
        token.save(update_fields=["revoked_at", "revoked_by"])
        change.note = _("吊销部门接口令牌")
    return token


@transaction.atomic
def start_reply_upload(*, user, request: DepartmentRequest, uploaded, original_name: str):
    """Keep a department's reply file (encrypted) and queue its check (file exchange)."""
    _require(user, EXCHANGE_STAFF, _("只有核对中心可以上传部门回复"))
    request = _locked(request)
    _check_open(request)
    imports.file_format(original_name)
    path = imports.store_upload(uploaded, original_name)
    job_row = jobs.enqueue(
        REPLY_JOB,
        params={"request_id": request.pk, "path": str(path), "original_name": original_name},
        user=user,
        region=request.run.region,
        title=(
            _("导入部门回复：%(ref)s %(source)s")
            % {"ref": request.run.reference, "source": request.get_source_display()}
        )[:200],
    )
    request.job = job_row
    request.save(update_fields=["job"])
    return job_row
