"""Writes of sunshine placement (docs/DOMAIN.md §9.2). Each service is one business action: it
checks who acts and where (404 outside the county, 403 for a role that may not act), validates
with field-level Chinese messages, locks the rows it changes, runs the transition and writes the
audit event in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.core import audit, validators
from minzheng.core.errors import NotFoundOrOutOfScope, PermissionDeniedError, ServiceError
from minzheng.core.money import yuan_str
from minzheng.core.scope import region_in_scope
from minzheng.people import selectors as people_selectors
from minzheng.regions.models import Region

from . import scoring, selectors
from .models import (
    Attendance,
    Course,
    Enrolment,
    ExamResult,
    Objection,
    ObjectionStatus,
    Outcome,
    PlacementYear,
    Post,
    PostStatus,
    PriorityGroup,
    Rank,
    Veteran,
    YearStatus,
)
from .permissions import is_employer, is_veteran_account, may_run

PAYABLE_SOURCE = "placement_grant"
PROGRAMME = "veteran_self_employment"
MIN_PUBLICITY_DAYS = 5  # a publicity window of at least five days [assumed]
MAX_COUNT = 20  # awards, sanctions: a sanity bound on a count
MAX_HARDSHIP_MONTHS = 600
NCO12_MONTHS = 144
NCO_RANKS = (Rank.NCO3, Rank.NCO4, Rank.NCO5, Rank.NCO6)
RECORD_FIELDS = (
    "enlisted_on",
    "discharged_on",
    "rank",
    "priority_group",
    "priority_evidence",
    "first_class_merits",
    "second_class_merits",
    "third_class_merits",
    "outstanding_soldier",
    "hardship_months",
    "warnings",
    "serious_warnings",
    "demerits",
)
COUNT_FIELDS = RECORD_FIELDS[5:]


def _office(user, message: str = ""):
    if not may_run(user):
        raise PermissionDeniedError(message or _("当前账号无权办理退役士兵安置"))


def _locked_year(user, year: PlacementYear) -> PlacementYear:
    year = selectors.get_office_year(user, year.pk)
    _office(user)
    return PlacementYear.objects.select_for_update().select_related("region").get(pk=year.pk)


def _status(year: PlacementYear, *allowed: str, field: str = "status") -> None:
    if year.status not in allowed:
        raise ServiceError(
            {field: [_("安置年度当前为“%(s)s”，不能办理此项") % {"s": year.get_status_display()}]},
            status=409,
        )


def _text(value, field: str, message: str, *, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError({field: [message]})
    if len(value) > max_length:
        raise ServiceError({field: [_("内容过长，最多%(n)s字") % {"n": max_length}]})
    if validators.text_error(value):
        raise ServiceError({field: [validators.text_error(value)]})
    return value


def _date(value, field: str, *, default_today: bool = True, not_after_today: bool = True):
    if value is None and default_today:
        value = timezone.localdate()
    if not isinstance(value, dt.date):
        raise ServiceError({field: [_("请填写日期")]})
    message = validators.date_error(value)
    if message:
        raise ServiceError({field: [message]})
    if not_after_today and value > timezone.localdate():
        raise ServiceError({field: [_("日期不能晚于今天")]})
    return value


# ---------------------------------------------------------------- years


@transaction.atomic
def create_year(
    *, user, year: int, region_code: str = "", grant_per_year_fen: int | None = None
) -> PlacementYear:
    _office(user)
    errors: dict[str, list[str]] = {}
    region = None
    if region_code:
        region = Region.objects.filter(code=region_code, level=Region.Level.COUNTY).first()
    elif user.region_id and user.region.level == Region.Level.COUNTY:
        region = user.region
    if region is None:
        errors["region_code"] = [_("请选择县（市、区）")]
    elif not region_in_scope(user, region):
        raise NotFoundOrOutOfScope()
    if not isinstance(year, int) or not 2000 <= year <= timezone.localdate().year + 1:
        errors["year"] = [_("安置年度不正确")]
    if grant_per_year_fen is not None and not 0 < grant_per_year_fen <= 10_000_000:
        errors["grant_per_year_fen"] = [_("补助标准须大于零且不超过10万元")]
    if errors:
        raise ServiceError(errors)
    record = PlacementYear(
        region=region,
        year=year,
        weights=dict(scoring.DEFAULT_WEIGHTS),
        grant_per_year_fen=grant_per_year_fen or scoring.DEFAULT_GRANT_PER_YEAR_FEN,
        created_by=user,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ServiceError({"year": [_("本县该年度的安置已建立")]}, status=409) from None
    audit.record_created(record, note=_("建立安置年度"))
    return record


# ---------------------------------------------------------------- veterans and scores


def _service_record(data: dict, *, year: PlacementYear) -> dict:
    """Validate the service record; every problem named by its field."""
    errors: dict[str, list[str]] = {}
    out: dict = {}
    for field in ("enlisted_on", "discharged_on"):
        value = data.get(field)
        if not isinstance(value, dt.date):
            errors[field] = [_("请填写日期")]
        elif validators.date_error(value):
            errors[field] = [validators.date_error(value)]
        else:
            out[field] = value
    if "enlisted_on" in out and "discharged_on" in out:
        if out["discharged_on"] <= out["enlisted_on"]:
            errors["discharged_on"] = [_("退役日期须晚于入伍日期")]
        elif out["discharged_on"].year not in (year.year - 1, year.year):
            errors["discharged_on"] = [
                _("本年度安置%(a)s年或%(b)s年退役的士兵") % {"a": year.year - 1, "b": year.year}
            ]
    rank = data.get("rank") or ""
    if rank not in Rank.values:
        errors["rank"] = [_("请选择军衔（士兵等级）")]
    out["rank"] = rank
    for field in COUNT_FIELDS:
        value = data.get(field) or 0
        bound = MAX_HARDSHIP_MONTHS if field == "hardship_months" else MAX_COUNT
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= bound:
            errors[field] = [_("请填写0至%(n)s之间的整数") % {"n": bound}]
        out[field] = value if field not in errors else 0
    months = (
        scoring.service_months(out["enlisted_on"], out["discharged_on"])
        if "enlisted_on" in out and "discharged_on" in out
        else None
    )
    hardship = data.get("hardship_months") or 0
    if isinstance(hardship, int) and months is not None and hardship > months:
        errors["hardship_months"] = [_("艰苦边远地区服役月数不能超过服役月数")]
    group = data.get("priority_group") or ""
    evidence = (data.get("priority_evidence") or "").strip()
    if group and group not in PriorityGroup.values:
        errors["priority_group"] = [_("请选择重点安置对象类别")]
    elif group:
        if not evidence:
            errors["priority_evidence"] = [_("重点安置对象须注明证明材料")]
        if group == PriorityGroup.NCO12 and (
            (months is not None and months < NCO12_MONTHS) or rank not in NCO_RANKS
        ):
            errors["priority_group"] = [_("服现役满12年的士官：服役须满144个月，且为三级士官以上")]
        if (
            group == PriorityGroup.MERIT
            and not (out.get("first_class_merits") or out.get("second_class_merits"))
            and "战时" not in evidence
        ):
            errors["priority_group"] = [
                _("立功对象须有二等功以上奖励（战时三等功请在证明材料中注明“战时”）")
            ]
    if len(evidence) > 200:
        errors["priority_evidence"] = [_("内容过长，最多%(n)s字") % {"n": 200}]
    if errors:
        raise ServiceError(errors)
    out["priority_group"] = group
    out["priority_evidence"] = evidence if group else ""
    return out


def _veteran_person(user, year: PlacementYear, id_number: str):
    person = people_selectors.visible_by_id_number(
        user, id_number, format_message=_("身份证号码格式不正确")
    )
    if person is None:
        raise ServiceError({"id_number": [_("本辖区人口库中没有这个身份证号码")]})
    if not person.hukou_region.path.startswith(year.region.path):
        raise ServiceError({"id_number": [_("该人员户籍不在%(r)s") % {"r": year.region.name}]})
    if not person.is_alive:
        raise ServiceError({"id_number": [_("该人员已死亡")]})
    return person


def _score(veteran: Veteran, year: PlacementYear) -> None:
    veteran.score, veteran.score_trace, veteran.service_months = scoring.compute(
        veteran, year.weights
    )


def recompute_ranking(year: PlacementYear) -> list[Veteran]:
    """Rank every veteran of the year (scoring.ranking_key) and set the choice order (the priority
    groups first). Call with the year row locked."""
    veterans = list(Veteran.objects.filter(year=year).select_related("person"))
    veterans.sort(key=scoring.ranking_key)
    for i, v in enumerate(veterans, start=1):
        v.rank_no = i
    order = [v for v in veterans if v.priority_group] + [
        v for v in veterans if not v.priority_group
    ]
    for i, v in enumerate(order, start=1):
        v.choice_no = i
    Veteran.objects.bulk_update(veterans, ["rank_no", "choice_no"])
    return veterans


@transaction.atomic
def add_veteran(*, user, year: PlacementYear, id_number: str, data: dict) -> Veteran:
    year = _locked_year(user, year)
    _status(year, YearStatus.DRAFT)
    person = _veteran_person(user, year, id_number)
    fields = _service_record(data, year=year)
    veteran = Veteran(
        year=year,
        person=person,
        region=person.hukou_region,
        registered_on=timezone.localdate(),
        wishes_training=bool(data.get("wishes_training")),
        **fields,
    )
    _score(veteran, year)
    try:
        with transaction.atomic():
            veteran.save()
    except IntegrityError:
        raise ServiceError({"id_number": [_("该退役士兵已在本年度名单中")]}, status=409) from None
    recompute_ranking(year)
    veteran.refresh_from_db()
    audit.record_created(veteran, note=_("登记退役士兵，服役表现得分 %(s)s") % {"s": veteran.score})
    return veteran


@transaction.atomic
def update_veteran(*, user, veteran: Veteran, data: dict) -> Veteran:
    """Correct a service record before the ranking is published (afterwards only an upheld
    objection changes it)."""
    veteran = selectors.get_veteran(user, veteran.pk)
    year = _locked_year(user, veteran.year)
    _status(year, YearStatus.DRAFT)
    return _apply_record(veteran, year, data, note=_("修改服役情况"))


def _apply_record(veteran: Veteran, year: PlacementYear, data: dict, *, note: str) -> Veteran:
    veteran = Veteran.objects.select_for_update().select_related("person").get(pk=veteran.pk)
    current = {f: getattr(veteran, f) for f in RECORD_FIELDS}
    fields = _service_record({**current, **data}, year=year)
    with audit.audited(veteran, note=note):
        for name, value in fields.items():
            setattr(veteran, name, value)
        if "wishes_training" in data:
            veteran.wishes_training = bool(data["wishes_training"])
        _score(veteran, year)
        veteran.save()
    recompute_ranking(year)
    veteran.refresh_from_db()
    return veteran


@transaction.atomic
def publish(*, user, year: PlacementYear, start: dt.date, end: dt.date) -> PlacementYear:
    """Publish the ranking for a publicity window (公示) during which objections are taken."""
    year = _locked_year(user, year)
    _status(year, YearStatus.DRAFT)
    errors: dict[str, list[str]] = {}
    for field, value in (("start", start), ("end", end)):
        if not isinstance(value, dt.date) or validators.date_error(value):
            errors[field] = [validators.date_error(value) or _("请填写日期")]
    if not errors and (end - start).days + 1 < MIN_PUBLICITY_DAYS:
        errors["end"] = [_("公示期不少于%(n)s天") % {"n": MIN_PUBLICITY_DAYS}]
    if not Veteran.objects.filter(year=year).exists():
        errors["status"] = [_("尚未登记退役士兵，不能公示")]
    if errors:
        raise ServiceError(errors)
    with audit.audited(year, "transition", note=_("公示服役表现得分和排名")):
        recompute_ranking(year)
        year.status = YearStatus.PUBLICITY
        year.publicity_start, year.publicity_end = start, end
        year.save()
    return year


@transaction.atomic
def file_objection(*, user, veteran: Veteran, text: str) -> Objection:
    """An objection to the published score or ranking, by the veteran (their own resident
    account) or by the office on their behalf, during the publicity window only."""
    if is_veteran_account(user):
        veteran = selectors.get_own_veteran(user, veteran.pk)
        by_veteran = True
    else:
        veteran = selectors.get_veteran(user, veteran.pk)
        _office(user)
        by_veteran = False
    year = PlacementYear.objects.select_for_update().get(pk=veteran.year_id)
    today = timezone.localdate()
    if year.status != YearStatus.PUBLICITY or not (
        year.publicity_start <= today <= year.publicity_end
    ):
        raise ServiceError({"text": [_("不在公示期内，不能提出异议")]}, status=409)
    objection = Objection(
        veteran=veteran,
        text=_text(text, "text", _("请写明异议内容"), max_length=1000),
        filed_by=user,
        by_veteran=by_veteran,
        filed_on=today,
    )
    objection.save()
    audit.record_created(objection, note=_("提出排名异议"))
    return objection


@transaction.atomic
def answer_objection(
    *, user, objection: Objection, upheld: bool, answer: str, corrections: dict | None = None
) -> Objection:
    """Answer an objection: upheld with the corrected service record (the score and the ranking
    recomputed), or dismissed with the reason."""
    objection = selectors.get_objection(user, objection.pk)
    year = _locked_year(user, objection.veteran.year)
    _status(year, YearStatus.PUBLICITY)
    objection = Objection.objects.select_for_update().select_related("veteran").get(pk=objection.pk)
    if objection.status != ObjectionStatus.OPEN:
        raise ServiceError({"answer": [_("该异议已答复")]}, status=409)
    answer = _text(
        answer, "answer", _("请填写答复意见") if upheld else _("驳回须说明理由"), max_length=1000
    )
    corrections = {k: v for k, v in (corrections or {}).items() if k in RECORD_FIELDS}
    if upheld and not corrections:
        raise ServiceError({"corrections": [_("异议成立须更正服役情况")]})
    before = objection.veteran.score
    if upheld:
        veteran = _apply_record(
            objection.veteran, year, corrections, note=_("异议成立，更正服役情况")
        )
        after = veteran.score
    else:
        after = before
    with audit.audited(objection, note=_("答复排名异议")):
        objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        objection.answer = answer
        objection.answered_by = user
        objection.answered_on = timezone.localdate()
        objection.score_before, objection.score_after = before, after
        objection.save()
    return objection


@transaction.atomic
def finalise(*, user, year: PlacementYear) -> PlacementYear:
    """After the window, with every objection answered, the ranking is final (locked)."""
    year = _locked_year(user, year)
    _status(year, YearStatus.PUBLICITY)
    today = timezone.localdate()
    if today <= year.publicity_end:
        raise ServiceError(
            {"status": [_("公示期至%(d)s结束，之后方可确定排名") % {"d": year.publicity_end}]},
            status=409,
        )
    if selectors.open_objections(year):
        raise ServiceError({"status": [_("还有未答复的异议")]}, status=409)
    with audit.audited(year, "transition", note=_("公示期满，排名确定")):
        recompute_ranking(year)
        year.status = YearStatus.FINAL
        year.finalised_on = today
        year.save()
    return year


@transaction.atomic
def close_year(*, user, year: PlacementYear) -> PlacementYear:
    year = _locked_year(user, year)
    _status(year, YearStatus.FINAL)
    if Veteran.objects.filter(year=year, outcome=Outcome.PENDING).exists():
        raise ServiceError({"status": [_("还有退役士兵未选岗")]}, status=409)
    with audit.audited(year, "transition", note=_("安置年度结束")):
        year.status = YearStatus.CLOSED
        year.closed_on = timezone.localdate()
        year.save()
    return year


# ---------------------------------------------------------------- posts


@transaction.atomic
def submit_post(*, user, year: PlacementYear, data: dict) -> Post:
    """An employer publishes a post for a year of its county; the office approves it."""
    if not (is_employer(user) and user.can_write):
        raise PermissionDeniedError(_("只有安置接收单位可以发布岗位"))
    year = selectors.get_year(user, year.pk)
    if year.status == YearStatus.CLOSED:
        raise ServiceError({"year": [_("该安置年度已结束")]}, status=409)
    errors: dict[str, list[str]] = {}
    fields = {}
    for name, limit, required, message in (
        ("unit", 100, False, ""),
        ("name", 100, True, _("请填写岗位名称")),
        ("requirements", 500, False, ""),
        ("location", 100, False, ""),
    ):
        value = (data.get(name) or "").strip()
        if required and not value:
            errors[name] = [message]
        elif len(value) > limit:
            errors[name] = [_("内容过长，最多%(n)s字") % {"n": limit}]
        fields[name] = value
    count = data.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 200:
        errors["count"] = [_("岗位数须为1至200之间的整数")]
    if errors:
        raise ServiceError(errors)
    fields["unit"] = fields["unit"] or user.get_full_name() or user.get_username()
    post = Post(year=year, employer=user, count=count, **fields)
    post.save()
    audit.record_created(post, note=_("发布安置岗位"))
    return post


@transaction.atomic
def review_post(*, user, post: Post, approve: bool, reason: str = "") -> Post:
    post = selectors.get_post(user, post.pk)
    if is_employer(user):
        raise PermissionDeniedError(_("当前账号无权审核岗位"))
    year = _locked_year(user, post.year)
    _status(year, YearStatus.DRAFT, YearStatus.PUBLICITY, YearStatus.FINAL)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.status != PostStatus.SUBMITTED:
        raise ServiceError({"status": [_("该岗位已审核")]}, status=409)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ServiceError({"reason": [_("不予通过须说明理由")]})
    if len(reason) > 200:
        raise ServiceError({"reason": [_("内容过长，最多%(n)s字") % {"n": 200}]})
    with audit.audited(post, "transition", note=_("审核安置岗位")):
        post.status = PostStatus.APPROVED if approve else PostStatus.REJECTED
        post.reason = reason
        post.reviewed_on = timezone.localdate()
        post.save()
    return post


# ---------------------------------------------------------------- the choice session


@transaction.atomic
def record_choice(
    *,
    user,
    veteran: Veteran,
    post: Post | None = None,
    self_employment: bool = False,
    wishes_training: bool = False,
) -> Veteran:
    """The office records the choice of the veteran whose turn it is: a post with a place left,
    or self-employment. The year row is locked first (one choice at a time per year), then the
    post row; a choice out of turn or of a full post is refused."""
    veteran = selectors.get_veteran(user, veteran.pk)
    year = _locked_year(user, veteran.year)
    _status(year, YearStatus.FINAL)
    veteran = Veteran.objects.select_for_update().select_related("person").get(pk=veteran.pk)
    if veteran.outcome != Outcome.PENDING:
        raise ServiceError({"veteran": [_("该退役士兵已选定")]}, status=409)
    turn = selectors.next_in_turn(year)
    if turn is None or turn.pk != veteran.pk:
        raise ServiceError(
            {
                "veteran": [
                    _("未轮到该退役士兵：现在应由第%(n)s位 %(name)s 选择")
                    % {"n": turn.choice_no, "name": turn.person.name}
                    if turn
                    else _("选岗已结束")
                ]
            },
            status=409,
        )
    if (post is None) == (not self_employment):
        raise ServiceError({"post": [_("请选择一个岗位，或选择自主就业")]})
    if year.choice_on is None:
        _guarantee(year)
    now = timezone.now()
    if post is not None:
        post = Post.objects.select_for_update().filter(pk=post.pk, year=year).first()
        if post is None or post.status != PostStatus.APPROVED:
            raise ServiceError({"post": [_("该岗位不在本年度已审核的岗位中")]})
        taken = Post.objects.filter(pk=post.pk, taken__lt=F("count")).update(taken=F("taken") + 1)
        if not taken:
            raise ServiceError({"post": [_("该岗位已被选满")]}, status=409)
        note = _("选岗：%(p)s") % {"p": str(post)}
    else:
        note = _("选择自主就业")
    with audit.audited(veteran, "transition", note=note):
        if post is not None:
            veteran.outcome = Outcome.POST
            veteran.post = post
        else:
            veteran.outcome = Outcome.SELF_EMPLOYED
            veteran.wishes_training = bool(wishes_training)
            veteran.grant_fen = scoring.grant_fen(veteran.service_months, year.grant_per_year_fen)
        veteran.chosen_at = now
        veteran.save()
    if year.choice_on is None:
        PlacementYear.objects.filter(pk=year.pk).update(choice_on=timezone.localdate())
    return veteran


def _guarantee(year: PlacementYear) -> None:
    """The session starts only with a place for every priority veteran (their post is
    guaranteed, docs/DOMAIN.md §9.2)."""
    places = sum(
        p.count for p in Post.objects.filter(year=year, status=PostStatus.APPROVED).only("count")
    )
    priority = Veteran.objects.filter(year=year).exclude(priority_group="").count()
    if places < priority:
        raise ServiceError(
            {
                "post": [
                    _("已审核的岗位名额（%(p)s个）少于四类重点对象人数（%(n)s人），不能开始选岗")
                    % {"p": places, "n": priority}
                ]
            },
            status=409,
        )


# ---------------------------------------------------------------- self-employment grant


@transaction.atomic
def decide_grant(*, user, veteran: Veteran, on: dt.date | None = None):
    """The office decides the one-off self-employment grant (service years × the year's standard,
    scoring.grant_fen) and publishes it as a one-off payable: at most once per veteran."""
    from minzheng.payments.oneoff import register_payable

    veteran = selectors.get_veteran(user, veteran.pk)
    _office(user)
    veteran = (
        Veteran.objects.select_for_update()
        .select_related("person", "region", "year")
        .get(pk=veteran.pk)
    )
    if veteran.outcome != Outcome.SELF_EMPLOYED:
        raise ServiceError({"veteran": [_("只有选择自主就业的退役士兵发放一次性经济补助")]})
    if veteran.grant_decided_on is not None:
        raise ServiceError({"veteran": [_("该退役士兵的一次性经济补助已核定")]}, status=409)
    on = _date(on, "on")
    household = people_selectors.current_household(veteran.person)
    if household is None:
        raise ServiceError({"veteran": [_("该退役士兵在人口库中没有家庭户，请先登记家庭")]})
    amount = scoring.grant_fen(veteran.service_months, veteran.year.grant_per_year_fen)
    with audit.audited(veteran, note=_("核定一次性经济补助 %(y)s 元") % {"y": yuan_str(amount)}):
        veteran.grant_fen = amount
        veteran.grant_decided_on = on
        veteran.save(update_fields=["grant_fen", "grant_decided_on"])
    return register_payable(
        source_kind=PAYABLE_SOURCE,
        source_id=veteran.pk,
        programme=PROGRAMME,
        household=household,
        person=veteran.person,
        region=veteran.region,
        amount_fen=amount,
        decided_on=on,
        description=_("%(y)s年度退役士兵自主就业一次性经济补助") % {"y": veteran.year.year},
    )


# ---------------------------------------------------------------- training


@transaction.atomic
def create_course(*, user, year: PlacementYear, data: dict) -> Course:
    year = _locked_year(user, year)
    _status(year, YearStatus.FINAL, YearStatus.CLOSED)
    errors: dict[str, list[str]] = {}
    fields = {}
    for name, message in (("name", _("请填写培训项目")), ("provider", _("请填写培训机构"))):
        value = (data.get(name) or "").strip()
        if not value:
            errors[name] = [message]
        elif len(value) > 100:
            errors[name] = [_("内容过长，最多%(n)s字") % {"n": 100}]
        fields[name] = value
    for name in ("starts_on", "ends_on"):
        value = data.get(name)
        if not isinstance(value, dt.date) or validators.date_error(value):
            errors[name] = [validators.date_error(value) if value else _("请填写日期")]
        fields[name] = value
    if not errors and fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = [_("结业日期不能早于开班日期")]
    sessions = data.get("sessions") or 1
    if not isinstance(sessions, int) or not 1 <= sessions <= 365:
        errors["sessions"] = [_("课时须为1至365之间的整数")]
    if errors:
        raise ServiceError(errors)
    course = Course(year=year, sessions=sessions, **fields)
    course.save()
    audit.record_created(course, note=_("开设培训班"))
    return course


@transaction.atomic
def enrol(*, user, course: Course, veteran: Veteran, on: dt.date | None = None) -> Enrolment:
    course = selectors.get_course(user, course.pk)
    _office(user)
    veteran = selectors.get_veteran(user, veteran.pk)
    if veteran.year_id != course.year_id or veteran.outcome != Outcome.SELF_EMPLOYED:
        raise ServiceError({"veteran": [_("只有本年度选择自主就业的退役士兵可以报名培训")]})
    enrolment = Enrolment(course=course, veteran=veteran, enrolled_on=_date(on, "on"))
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError:
        raise ServiceError({"veteran": [_("该退役士兵已报名培训")]}, status=409) from None
    if not veteran.wishes_training:
        Veteran.objects.filter(pk=veteran.pk).update(wishes_training=True)
    audit.record_created(enrolment, note=_("报名参加培训"))
    return enrolment


def _locked_enrolment(user, enrolment: Enrolment) -> Enrolment:
    enrolment = selectors.get_enrolment(user, enrolment.pk)
    _office(user)
    return Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)


@transaction.atomic
def record_attendance(*, user, enrolment: Enrolment, on: dt.date, present: bool) -> Attendance:
    enrolment = _locked_enrolment(user, enrolment)
    on = _date(on, "on")
    course = enrolment.course
    if not course.starts_on <= on <= course.ends_on:
        raise ServiceError(
            {
                "on": [
                    _("考勤日期须在培训期内（%(a)s至%(b)s）")
                    % {"a": course.starts_on, "b": course.ends_on}
                ]
            }
        )
    row = Attendance.objects.filter(enrolment=enrolment, on=on).first()
    if row is None:
        row = Attendance(enrolment=enrolment, on=on)
    with audit.audited(row, note=_("登记培训考勤")):
        row.present = bool(present)
        row.save()
    return row


@transaction.atomic
def record_exam(*, user, enrolment: Enrolment, result: str, on: dt.date | None = None):
    enrolment = _locked_enrolment(user, enrolment)
    if result not in ExamResult.values:
        raise ServiceError({"result": [_("请选择考核结果")]})
    on = _date(on, "on")
    if on < enrolment.course.starts_on:
        raise ServiceError({"on": [_("考核日期不能早于开班日期")]})
    with audit.audited(enrolment, note=_("登记考核结果")):
        enrolment.exam_result = result
        enrolment.exam_on = on
        enrolment.save()
    return enrolment


@transaction.atomic
def record_outcome(
    *, user, enrolment: Enrolment, employed: bool, employer_name: str = "", on=None
) -> Enrolment:
    enrolment = _locked_enrolment(user, enrolment)
    on = _date(on, "on")
    employer_name = (employer_name or "").strip()
    if employed and not employer_name:
        raise ServiceError({"employer_name": [_("请填写就业单位或创业项目")]})
    if len(employer_name) > 100:
        raise ServiceError({"employer_name": [_("内容过长，最多%(n)s字") % {"n": 100}]})
    if on < enrolment.enrolled_on:
        raise ServiceError({"on": [_("登记日期不能早于报名日期")]})
    with audit.audited(enrolment, note=_("登记就业情况")):
        enrolment.employed = bool(employed)
        enrolment.employer_name = employer_name if employed else ""
        enrolment.outcome_on = on
        enrolment.save()
    return enrolment
