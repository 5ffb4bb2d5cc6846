"""HTML forms of the application pages: they parse and type-check input; the services decide."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.money import yuan_to_fen

from .models import DocumentKind, EmergencyPayment, ObjectionOutcome, Programme
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
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


def yuan_field(label, required=True, help_text=""):
    return forms.DecimalField(label=label, required=required, min_value=Decimal("0"), max_digits=12, decimal_places=2,
                              help_text=help_text, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))


def to_fen(value: Decimal | None) -> int | None:
    return None if value is None else yuan_to_fen(value)


class NamesField(forms.CharField):
    """Several names in one box, separated by 、 or commas or spaces."""

    def clean(self, value):
        value = super().clean(value)
        return [n for n in _SPLIT.split(value or "") if n]


class ScanField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
        kwargs.setdefault("help_text", _("PDF、JPG 或 PNG，不超过 10 MB；可用手机拍照上传"))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if data and data.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("文件不能超过 10 MB"))
        return data


class ApplyForm(forms.Form):
    """The online application (residents) and the application filed for someone (staff)."""

    programme = forms.ChoiceField(label=_("申请项目"), choices=Programme.choices)
    reason = _text(_("申请理由"), rows=3, max_length=2000, help_text=_("简要说明家庭困难情况"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}))
    requested_amount = yuan_field(_("申请救助金额（元）"), required=False, help_text=_("临时救助必填"))
    is_emergency = forms.BooleanField(label=_("急难情况，需要先行救助"), required=False)
    id_card = ScanField(label=_("居民身份证"), required=False)
    hukou_book = ScanField(label=_("户口簿"), required=False)
    income_proof = ScanField(label=_("收入证明"), required=False)

    def __init__(self, *args, members=(), staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        if staff:
            self.fields["household_number"] = forms.CharField(label=_("家庭编号"), max_length=32)
            self.fields["applicant_id_number"] = forms.CharField(label=_("申请人身份证号码"), max_length=18, min_length=15)
            self.fields["applied_on"] = _date(_("申请日期"), help_text=_("补录纸质申请时填写；默认今天"))
            self.fields["relative_relation"] = forms.CharField(
                label=_("近亲属备案"), max_length=200, required=False,
                help_text=_("申请人是经办人员或村干部近亲属的，写明关系（将100%入户抽查）"))
            self.order_fields(["household_number", "applicant_id_number", "programme", "applied_on"])
        for member in self.members:
            self.fields[f"income_{member.person_id}"] = yuan_field(
                _("%(name)s 月收入（元）") % {"name": member.person.name}, required=False,
                help_text=_("工资、经营、财产等各项月收入合计"),
            )

    def facts(self) -> dict:
        """The quote-shaped facts for the household members listed on the form."""
        members = []
        for member in self.members:
            income = self.cleaned_data.get(f"income_{member.person_id}")
            entry = {"relation": member.relation, "person_id": member.person_id}
            if income:
                entry["income"] = {"wage": f"{income:.2f}"}
            members.append(entry)
        return {"members": members} if members else {}

    def uploads(self):
        for kind in (DocumentKind.ID_CARD, DocumentKind.HUKOU_BOOK, DocumentKind.INCOME_PROOF):
            upload = self.cleaned_data.get(kind)
            if upload:
                yield kind, upload


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices)
    file = ScanField(label=_("文件"))


class AcceptForm(forms.Form):
    missing_materials = _text(_("一次性告知需补齐的材料"), required=False, rows=3,
                              help_text=_("每行一项；留空表示材料齐全（须已登记核对授权书）"))
    on = _on()

    def service_kwargs(self):
        lines = [line.strip() for line in (self.cleaned_data["missing_materials"] or "").splitlines()]
        return {"missing_materials": [line for line in lines if line], "on": self.cleaned_data["on"]}


class OnForm(forms.Form):
    on = _on()

    def service_kwargs(self):
        return {"on": self.cleaned_data["on"]}


class AuthorisationForm(forms.Form):
    scan = ScanField(label=_("核对授权书扫描件"))
    signed_on = _date(_("签署日期"), required=True)
    signed_by = NamesField(label=_("签署人"), max_length=200, help_text=_("全部共同生活的家庭成员，用顿号分隔"))


class VerificationForm(forms.Form):
    passed = forms.TypedChoiceField(label=_("核对结果"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                    choices=[("1", _("通过")), ("0", _("不通过"))])
    report_ref = forms.CharField(label=_("核对报告编号"), max_length=100, required=False)
    reasons = _text(_("不予批准的理由"), required=False, help_text=_("核对不通过时必填"))
    on = _on()

    def service_kwargs(self):
        return dict(self.cleaned_data)


class InvestigationForm(forms.Form):
    investigators = NamesField(label=_("调查人员"), max_length=200, help_text=_("至少两人，用顿号分隔"))
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
    decision = forms.ChoiceField(label=_("意见"), widget=forms.RadioSelect,
                                 choices=[("approve", _("同意")), ("refuse", _("不同意（不予批准）"))])
    reasons = _text(_("理由"), required=False, help_text=_("不予批准时必填，将写入不予批准通知书"))
    on = _on()


class TownshipReviewForm(DecisionForm):
    publicity_starts_on = _date(_("公示开始日期"), help_text=_("默认审核当日"))

    def service_kwargs(self):
        data = self.cleaned_data
        return {"approve": data["decision"] == "approve", "reasons": data["reasons"],
                "publicity_starts_on": data["publicity_starts_on"], "on": data["on"]}


class CountyDecisionForm(DecisionForm):
    amount = yuan_field(_("核定救助金额（元）"), required=False)

    def service_kwargs(self):
        data = self.cleaned_data
        return {"approve": data["decision"] == "approve", "reasons": data["reasons"], "amount_fen": to_fen(data["amount"]), "on": data["on"]}


class ObjectionForm(forms.Form):
    content = _text(_("异议内容"))
    objector = forms.CharField(label=_("异议人"), max_length=64, required=False, help_text=_("可匿名"))
    filed_on = _date(_("提出日期"), help_text=_("默认今天"))

    def service_kwargs(self):
        return dict(self.cleaned_data)


class ResolveObjectionForm(forms.Form):
    objection = forms.TypedChoiceField(label=_("异议"), coerce=int)
    outcome = forms.ChoiceField(label=_("核查结论"), choices=ObjectionOutcome.choices, widget=forms.RadioSelect)
    resolution = _text(_("核查处理情况"))
    on = _on()

    def __init__(self, *args, objections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objection"].choices = [(o.pk, f"{o.filed_on:%Y-%m-%d} {o.content[:30]}") for o in objections]


class SpotCheckForm(forms.Form):
    checked_on = _date(_("抽查日期"), required=True)
    investigators = NamesField(label=_("抽查人员"), max_length=200, help_text=_("至少两人，用顿号分隔"))
    findings = _text(_("抽查情况"))

    def service_kwargs(self):
        return dict(self.cleaned_data)


class WithdrawForm(forms.Form):
    reason = _text(_("撤回原因"), required=False, rows=2, max_length=2000)
    on = _on()

    def service_kwargs(self):
        return dict(self.cleaned_data)


class RelativeForm(forms.Form):
    relation = forms.CharField(label=_("亲属关系"), max_length=200, help_text=_("例如：申请人之子为某街道民政办工作人员"))

    def service_kwargs(self):
        return dict(self.cleaned_data)


class EmergencyGrantForm(forms.Form):
    amount = yuan_field(_("先行救助金额（元）"))
    method = forms.ChoiceField(label=_("救助方式"), choices=EmergencyPayment.Method.choices)
    paid_on = _date(_("发放日期"), help_text=_("默认今天"))
    note = _text(_("说明"), required=False, rows=2)

    def service_kwargs(self):
        data = self.cleaned_data
        return {"amount_fen": to_fen(data["amount"]), "method": data["method"], "paid_on": data["paid_on"], "note": data["note"]}
