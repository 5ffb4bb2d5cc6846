"""HTML forms of the application pages: they parse and type-check input; the services decide."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.assistance.params import BUSINESS_ROLES, INCOME_TYPES
from minzheng.core.money import yuan_to_fen

from .models import DocumentKind, EmergencyPayment, MedicalBill, ObjectionOutcome, Programme
from .services import MAX_DOCUMENT_BYTES

_SPLIT = re.compile(r"[\s,，、;；]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label, required=False, help_text=""):
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def _on():
    return _date(_("办理日期"), help_text=_("补录纸质办理记录时填写实际日期；默认今天"))


def _text(label, required=True, rows=3, max_length=4000, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def yuan_field(label, required=True, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def to_fen(value: Decimal | None) -> int | None:
    return None if value is None else yuan_to_fen(value)


class NamesField(forms.CharField):
    """Several names in one box, separated by 、 or commas or spaces."""

    def clean(self, value):
        value = super().clean(value)
        return [n for n in _SPLIT.split(value or "") if n]


class ScanField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        )
        kwargs.setdefault("help_text", _("PDF、JPG 或 PNG，不超过 10 MB；可用手机拍照上传"))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if data and data.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("文件不能超过 10 MB"))
        return data


# The income types a household declares per member (monthly, yuan); the rules decide which count.
DECLARED_INCOME = ("wage", "business", "property", "transfer", "support", "pension")
SELF_CARE_LABELS = {
    "eating": _("进食"),
    "dressing": _("穿衣"),
    "bed_transfer": _("上下床"),
    "toileting": _("如厕"),
    "indoor_walking": _("室内行走"),
    "bathing": _("洗澡"),
}
EXCLUSION_LABELS = {
    "": _("计入家庭成员"),
    "conscript": _("义务兵"),
    "clergy": _("宗教教职人员（离家3年以上）"),
    "prisoner": _("服刑人员"),
    "compulsory_rehab": _("强制隔离戒毒人员"),
    "missing": _("失踪人员"),
}
CARE_MODE_LABELS = {
    "dispersed": _("分散供养（在家）"),
    "centralised": _("集中供养（入住供养机构）"),
}


class HouseholdFactsForm(forms.Form):
    """The household's incomes and property in the shape of the assistance quote input: one
    component for the resident's online application and the application taken for them, so
    both record the same facts. Fields are built per current member of the household."""

    car_value = yuan_field(_("机动车价值（元）"), required=False, help_text=_("没有机动车的不填"))
    car_disability_vehicle = forms.BooleanField(
        label=_("该车为残疾人功能性补偿代步车"), required=False
    )
    homes = forms.IntegerField(
        label=_("住房套数"), min_value=0, max_value=100, initial=1, required=False
    )
    non_residential = forms.IntegerField(
        label=_("非居住类房产（商铺、办公用房等）数"),
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
    )
    business_roles = forms.MultipleChoiceField(
        label=_("家庭成员经营情况"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=list(BUSINESS_ROLES.items()),
    )
    financial_assets = yuan_field(_("家庭存款、有价证券等金融资产合计（元）"), required=False)
    extreme_hardship = forms.BooleanField(
        label=_("经认定的特殊困难家庭（按标施保）"), required=False
    )
    able_supporters = forms.IntegerField(
        label=_("有履行能力的法定赡养、抚养、扶养义务人人数"),
        min_value=0,
        max_value=20,
        initial=0,
        required=False,
        help_text=_("申请特困供养时填写"),
    )
    care_mode = forms.ChoiceField(
        label=_("供养方式"),
        choices=list(CARE_MODE_LABELS.items()),
        initial="dispersed",
        required=False,
        help_text=_("申请特困供养时填写"),
    )

    PROPERTY_FIELDS = (
        "car_value",
        "car_disability_vehicle",
        "homes",
        "non_residential",
        "business_roles",
        "financial_assets",
    )
    HOUSEHOLD_FIELDS = ("extreme_hardship", "able_supporters", "care_mode")

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            pid = member.person_id
            for kind in DECLARED_INCOME:
                self.fields[f"income_{pid}_{kind}"] = yuan_field(
                    format_lazy("{}（{}）", INCOME_TYPES[kind], _("元/月")), required=False
                )
            self.fields[f"serious_illness_{pid}"] = forms.BooleanField(
                label=_("患重特大疾病"), required=False
            )
            self.fields[f"excluded_{pid}"] = forms.ChoiceField(
                label=_("是否计入家庭成员"), required=False, choices=list(EXCLUSION_LABELS.items())
            )
            self.fields[f"self_care_{pid}_unable"] = forms.MultipleChoiceField(
                label=_("不能自理的项目"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=list(SELF_CARE_LABELS.items()),
                help_text=_("申请特困供养时填写"),
            )

    def member_groups(self):
        """(member, its bound fields) for the template."""
        for member in self.members:
            pid = member.person_id
            names = [f"income_{pid}_{kind}" for kind in DECLARED_INCOME] + [
                f"serious_illness_{pid}",
                f"excluded_{pid}",
                f"self_care_{pid}_unable",
            ]
            yield member, [self[name] for name in names]

    def property_fields(self):
        return [self[name] for name in self.PROPERTY_FIELDS]

    def household_fields(self):
        return [self[name] for name in self.HOUSEHOLD_FIELDS]

    def facts(self) -> dict:
        """The quote-shaped facts (yuan as strings; the case keeps them as entered)."""
        data = self.cleaned_data
        members = []
        for member in self.members:
            pid = member.person_id
            entry = {"relation": member.relation, "person_id": pid}
            income = {
                kind: f"{data[f'income_{pid}_{kind}']:.2f}"
                for kind in DECLARED_INCOME
                if data.get(f"income_{pid}_{kind}")
            }
            if income:
                entry["income"] = income
            if data.get(f"serious_illness_{pid}"):
                entry["serious_illness"] = True
            if data.get(f"excluded_{pid}"):
                entry["excluded_reason"] = data[f"excluded_{pid}"]
            if data.get(f"self_care_{pid}_unable"):
                entry["self_care_unable"] = list(data[f"self_care_{pid}_unable"])
            members.append(entry)
        cars = []
        if data.get("car_value"):
            cars.append(
                {
                    "value": f"{data['car_value']:.2f}",
                    "disability_vehicle": bool(data.get("car_disability_vehicle")),
                }
            )
        facts = {
            "members": members,
            "property": {
                "cars": cars,
                "homes": data.get("homes") or 0,
                "non_residential": data.get("non_residential") or 0,
                "business_roles": list(data.get("business_roles") or []),
                "financial_assets": f"{data.get('financial_assets') or 0:.2f}",
            },
            "extreme_hardship": bool(data.get("extreme_hardship")),
            "supporters": ["able"] * (data.get("able_supporters") or 0),
            "care_mode": data.get("care_mode") or "dispersed",
        }
        return facts if members else {}


class ApplyForm(HouseholdFactsForm):
    """The online application (residents) and the application taken for someone (staff): the
    same household facts either way; staff pick the applicant among the members of the
    household they looked up."""

    programme = forms.ChoiceField(label=_("申请项目"), choices=Programme.choices)
    reason = _text(_("申请理由"), rows=3, max_length=2000, help_text=_("简要说明家庭困难情况"))
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    requested_amount = yuan_field(
        _("申请救助金额（元）"), required=False, help_text=_("临时救助必填")
    )
    is_emergency = forms.BooleanField(label=_("急难情况，需要先行救助"), required=False)
    id_card = ScanField(label=_("居民身份证"), required=False)
    hukou_book = ScanField(label=_("户口簿"), required=False)
    income_proof = ScanField(label=_("收入证明"), required=False)

    MAIN_FIELDS = (
        "household",
        "applicant",
        "programme",
        "applied_on",
        "reason",
        "phone",
        "requested_amount",
        "is_emergency",
        "relative_relation",
    )
    UPLOAD_FIELDS = ("id_card", "hukou_book", "income_proof")

    def __init__(self, *args, members=(), staff=False, household=None, applicant=None, **kwargs):
        super().__init__(*args, members=members, **kwargs)
        if staff:
            self.fields["household"] = forms.IntegerField(
                widget=forms.HiddenInput,
                required=False,
                initial=household.pk if household else None,
            )
            self.fields["applicant"] = forms.TypedChoiceField(
                label=_("申请人"),
                coerce=int,
                choices=[
                    (
                        m.person_id,
                        f"{m.person.name}（{m.get_relation_display()}，{m.person.id_masked}）",
                    )
                    for m in self.members
                ],
                initial=applicant
                if applicant
                else (self.members[0].person_id if self.members else None),
            )
            self.fields["applied_on"] = _date(
                _("申请日期"), help_text=_("补录纸质申请时填写；默认今天")
            )
            self.fields["relative_relation"] = forms.CharField(
                label=_("近亲属备案"),
                max_length=200,
                required=False,
                help_text=_("申请人是经办人员或村干部近亲属的，写明关系（将100%入户抽查）"),
            )

    def main_fields(self):
        return [
            self[name] for name in self.MAIN_FIELDS if name in self.fields and name != "household"
        ]

    def upload_fields(self):
        return [self[name] for name in self.UPLOAD_FIELDS]

    def uploads(self):
        for kind in (DocumentKind.ID_CARD, DocumentKind.HUKOU_BOOK, DocumentKind.INCOME_PROOF):
            upload = self.cleaned_data.get(kind)
            if upload:
                yield kind, upload


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices)
    file = ScanField(label=_("文件"))


class AcceptForm(forms.Form):
    missing_materials = _text(
        _("一次性告知需补齐的材料"),
        required=False,
        rows=3,
        help_text=_("每行一项；留空表示材料齐全（须已登记核对授权书）"),
    )
    on = _on()

    def service_kwargs(self):
        lines = [
            line.strip() for line in (self.cleaned_data["missing_materials"] or "").splitlines()
        ]
        return {
            "missing_materials": [line for line in lines if line],
            "on": self.cleaned_data["on"],
        }


class OnForm(forms.Form):
    on = _on()

    def service_kwargs(self):
        return {"on": self.cleaned_data["on"]}


class AuthorisationForm(forms.Form):
    scan = ScanField(label=_("核对授权书扫描件"))
    signed_on = _date(_("签署日期"), required=True)
    signed_by = NamesField(
        label=_("签署人"), max_length=200, help_text=_("全部共同生活的家庭成员，用顿号分隔")
    )


class VerificationForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("核对结果"),
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        choices=[("1", _("通过")), ("0", _("不通过"))],
    )
    report_ref = forms.CharField(label=_("核对报告编号"), max_length=100, required=False)
    reasons = _text(_("不予批准的理由"), required=False, help_text=_("核对不通过时必填"))
    on = _on()

    def service_kwargs(self):
        return dict(self.cleaned_data)


class InvestigationForm(forms.Form):
    investigators = NamesField(
        label=_("调查人员"), max_length=200, help_text=_("至少两人，用顿号分隔")
    )
    visited_on = _date(_("入户日期"), required=True)
    findings = _text(_("调查情况"), rows=4)

    def service_kwargs(self):
        return dict(self.cleaned_data)


class AppraisalForm(forms.Form):
    held_on = _date(_("评议日期"), required=True)
    invitees = forms.IntegerField(label=_("应到人数"), min_value=0, max_value=10000)
    attendees = forms.IntegerField(label=_("实到人数"), min_value=0, max_value=10000)
    votes_for = forms.IntegerField(label=_("同意票"), min_value=0, max_value=10000)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0, max_value=10000)
    note = _text(_("评议情况"), required=False)

    def service_kwargs(self):
        return dict(self.cleaned_data)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("意见"),
        widget=forms.RadioSelect,
        choices=[("approve", _("同意")), ("refuse", _("不同意（不予批准）"))],
    )
    reasons = _text(_("理由"), required=False, help_text=_("不予批准时必填，将写入不予批准通知书"))
    on = _on()


class TownshipReviewForm(DecisionForm):
    publicity_starts_on = _date(_("公示开始日期"), help_text=_("默认审核当日"))

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "approve": data["decision"] == "approve",
            "reasons": data["reasons"],
            "publicity_starts_on": data["publicity_starts_on"],
            "on": data["on"],
        }


class CountyDecisionForm(DecisionForm):
    amount = yuan_field(
        _("核定救助金额（元/月）"), required=False, help_text=_("默认为按规则计算的金额")
    )
    amount_reason = _text(
        _("核定金额与规则金额不同的理由"),
        required=False,
        rows=2,
        max_length=2000,
        help_text=_("改动核定金额时必填"),
    )

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "approve": data["decision"] == "approve",
            "reasons": data["reasons"],
            "amount_fen": to_fen(data["amount"]),
            "amount_reason": data["amount_reason"],
            "on": data["on"],
        }


class ObjectionForm(forms.Form):
    content = _text(_("异议内容"))
    objector = forms.CharField(
        label=_("异议人"), max_length=64, required=False, help_text=_("可匿名")
    )
    filed_on = _date(_("提出日期"), help_text=_("默认今天"))

    def service_kwargs(self):
        return dict(self.cleaned_data)


class ResolveObjectionForm(forms.Form):
    objection = forms.TypedChoiceField(label=_("异议"), coerce=int)
    outcome = forms.ChoiceField(
        label=_("核查结论"), choices=ObjectionOutcome.choices, widget=forms.RadioSelect
    )
    resolution = _text(_("核查处理情况"))
    on = _on()

    def __init__(self, *args, objections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objection"].choices = [
            (o.pk, f"{o.filed_on:%Y-%m-%d} {o.content[:30]}") for o in objections
        ]


class SpotCheckForm(forms.Form):
    checked_on = _date(_("抽查日期"), required=True)
    investigators = NamesField(
        label=_("抽查人员"), max_length=200, help_text=_("至少两人，用顿号分隔")
    )
    findings = _text(_("抽查情况"))

    def service_kwargs(self):
        return dict(self.cleaned_data)


class WithdrawForm(forms.Form):
    reason = _text(_("撤回原因"), required=False, rows=2, max_length=2000)
    on = _on()

    def service_kwargs(self):
        return dict(self.cleaned_data)


class RelativeForm(forms.Form):
    relation = forms.CharField(
        label=_("亲属关系"), max_length=200, help_text=_("例如：申请人之子为某街道民政办工作人员")
    )

    def service_kwargs(self):
        return dict(self.cleaned_data)


class EmergencyGrantForm(forms.Form):
    amount = yuan_field(_("先行救助金额（元）"))
    method = forms.ChoiceField(label=_("救助方式"), choices=EmergencyPayment.Method.choices)
    paid_on = _date(_("发放日期"), help_text=_("默认今天"))
    note = _text(_("说明"), required=False, rows=2)

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "amount_fen": to_fen(data["amount"]),
            "method": data["method"],
            "paid_on": data["paid_on"],
            "note": data["note"],
        }


class MedicalBillForm(forms.Form):
    """One settled bill typed from the settlement slip (结算单)."""

    person = forms.TypedChoiceField(label=_("患者"), coerce=int)
    settlement_number = forms.CharField(label=_("结算单号"), max_length=64)
    hospital = forms.CharField(label=_("医疗机构"), max_length=100)
    kind = forms.ChoiceField(label=_("就诊类别"), choices=MedicalBill.Kind.choices)
    admitted_on = _date(_("入院（就诊）日期"), required=True)
    discharged_on = _date(_("出院（结算）日期"), required=True)
    total = yuan_field(_("医疗费用总额（元）"))
    in_policy = yuan_field(_("政策范围内费用（元）"))
    basic = yuan_field(_("基本医疗保险支付（元）"), required=False)
    critical = yuan_field(_("大病保险支付（元）"), required=False)
    other = yuan_field(_("其他保险支付（元）"), required=False)
    self_paid = yuan_field(
        _("政策范围内个人自付（元）"),
        required=False,
        help_text=_("留空则按政策范围内费用减各项保险支付计算"),
    )

    # Service field → form field, for errors shown next to the field.
    FIELD_MAP = {
        "person_id": "person",
        "total_fen": "total",
        "in_policy_fen": "in_policy",
        "basic_insurance_fen": "basic",
        "critical_illness_fen": "critical",
        "other_insurance_fen": "other",
        "self_paid_in_policy_fen": "self_paid",
    }

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, f"{p.name}（{p.id_masked}）") for p in people]

    def bill_fields(self):
        from .services import BillFields

        d = self.cleaned_data
        return BillFields(
            settlement_number=d["settlement_number"],
            hospital=d["hospital"],
            kind=d["kind"],
            admitted_on=d["admitted_on"],
            discharged_on=d["discharged_on"],
            total_fen=to_fen(d["total"]),
            in_policy_fen=to_fen(d["in_policy"]),
            basic_insurance_fen=to_fen(d["basic"]) or 0,
            critical_illness_fen=to_fen(d["critical"]) or 0,
            other_insurance_fen=to_fen(d["other"]) or 0,
            self_paid_in_policy_fen=to_fen(d["self_paid"]),
        )


class SettlementFileForm(forms.Form):
    file = forms.FileField(
        label=_("一站式结算文件"), help_text=_("CSV 或 Excel（.xlsx），列与模板一致")
    )
