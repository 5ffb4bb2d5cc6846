"""The registry of kinds of message. A module (or notifications itself, for the modules that
only publish signals) registers a kind with its Chinese label and its text template; `notify`
renders the template with the trigger's parameters. Adding a kind is one call:

    register_kind("complaint_replied", gettext_noop("投诉已答复"),
                  "您反映的事项（{number}）已答复，请登录查看。")

`audience` says who receives it (resident, staff, provider); residents may opt out of any kind
marked `opt_out=True` (staff to-dos are part of the job and cannot be refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop

SIGNATURE = "【荆门民政】"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # a gettext_noop msgid, translated when shown
    template: str  # Chinese text with {named} fields; the message itself is always Chinese
    audience: str = "resident"
    opt_out: bool = True

    @property
    def display(self) -> str:
        return gettext(self.label)

    def render(self, params: dict | None) -> str:
        return SIGNATURE + self.template.format_map(_Defaulting(params or {}))


class _Defaulting(dict):
    def __missing__(self, key):
        return ""


_KINDS: dict[str, Kind] = {}


def register_kind(code: str, label: str, template: str, *, audience="resident", opt_out=True):
    _KINDS[code] = Kind(code, label, template, audience, opt_out)
    return _KINDS[code]


def get_kind(code: str) -> Kind:
    return _KINDS[code]


def all_kinds() -> list[Kind]:
    return list(_KINDS.values())


def label(code: str) -> str:
    kind = _KINDS.get(code)
    return kind.display if kind else code


# The milestones the platform's modules publish today (handlers.py connects them).
register_kind(
    "case_accepted",
    gettext_noop("申请已受理"),
    "您的{programme}申请（{number}）已受理，进入信息核对。",
)
register_kind(
    "case_materials_missing",
    gettext_noop("需补齐材料"),
    "您的{programme}申请（{number}）需补齐以下材料：{items}。请尽快到乡镇（街道）提交。",
)
register_kind(
    "case_authorisation_needed",
    gettext_noop("需签署核对授权书"),
    "您的{programme}申请（{number}）需全体家庭成员签署家庭经济状况核对授权书，请到乡镇（街道）办理。",
)
register_kind(
    "case_publicity",
    gettext_noop("进入公示"),
    "您的{programme}申请（{number}）已进入公示，公示期{days}天，有异议可向乡镇（街道）反映。",
)
register_kind(
    "case_approved",
    gettext_noop("申请已批准"),
    "您的{programme}申请（{number}）已批准{amount}。",
)
register_kind(
    "case_refused",
    gettext_noop("申请未获批准"),
    "您的{programme}申请（{number}）未获批准，理由：{reasons}。如有异议可依法申请复议。",
)
register_kind(
    "payment_paid",
    gettext_noop("待遇已发放"),
    "您{month}的{programme}{amount}元已发放到账，请查收。",
)
register_kind(
    "payment_failed",
    gettext_noop("待遇发放失败"),
    "您{month}的{programme}{amount}元发放失败（{reason}），请到乡镇（街道）核对银行账户。",
)
register_kind(
    "booking_accepted",
    gettext_noop("预约已接单"),
    "您预约的{item}（{number}）已由{provider}接单，服务时间{when}。",
)
register_kind(
    "booking_dispatched",
    gettext_noop("服务人员已派出"),
    "您预约的{item}（{number}）已派服务人员{worker}，服务时间{when}。",
)
register_kind(
    "review_due",
    gettext_noop("待遇复核提醒"),
    "您家庭享受的{programme}将于{due}前进行定期复核，请配合村（社区）入户核实。",
)
register_kind(
    "satisfaction_survey",
    gettext_noop("满意度调查"),
    "请您对{service}（{number}）的办理情况进行评价：{link}",
)
register_kind(
    "todo_case_submitted",
    gettext_noop("待办：新申请待受理"),
    "待办：{region}提交的{programme}申请（{number}）待受理。",
    audience="staff",
    opt_out=False,
)
register_kind(
    "todo_case_county_review",
    gettext_noop("待办：申请待审批"),
    "待办：{programme}申请（{number}）已到县级审批，请在{due}前办理。",
    audience="staff",
    opt_out=False,
)
register_kind(
    "todo_booking_requested",
    gettext_noop("待办：新预约待接单"),
    "待办：新的{item}预约（{number}），服务时间{when}，请及时接单。",
    audience="provider",
    opt_out=False,
)

# Complaints and petitions (complaints.signals): the complainant hears of each decision on their
# complaint; the office it is transferred to gets a to-do.
register_kind(
    "complaint_accepted",
    gettext_noop("信访事项已受理"),
    "您反映的事项（{number}）已受理，将于{due}前办结并书面答复。",
)
register_kind(
    "complaint_not_accepted",
    gettext_noop("信访事项不予受理"),
    "您反映的事项（{number}）不予受理，理由：{reason}。",
)
register_kind(
    "complaint_extended",
    gettext_noop("信访事项延期办理"),
    "您反映的事项（{number}）办理期限延长至{due}，理由：{reason}。",
)
register_kind(
    "complaint_replied",
    gettext_noop("信访事项已答复"),
    "您反映的事项（{number}）已书面答复，请登录查看并评价；如不服可于{review_due}前申请复查。",
)
register_kind(
    "complaint_review_answered",
    gettext_noop("复查意见已作出"),
    "您对事项（{number}）的复查申请已作出复查意见，请登录查看。",
)
register_kind(
    "todo_complaint_transferred",
    gettext_noop("待办：转来信访事项"),
    "待办：{from_office}转来信访事项（{number}），请于{due}前办理。",
    audience="staff",
    opt_out=False,
)
