"""HTML forms of the registry's pages: they parse input; the services decide what is valid.
Amounts are typed in whole yuan and passed on in fen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import (
    ComplaintSubject,
    Conclusion,
    ListKind,
    MeasureKind,
    OrganisationField,
    OrganisationKind,
)


def _optional(choices):
    return [("", "—")] + list(choices)


class SignupForm(forms.Form):
    name = forms.CharField(label=_("法定代表人姓名"), max_length=64)
    id_number = forms.CharField(label=_("法定代表人身份证号码"), max_length=18)
    phone = forms.CharField(label=_("联系手机"), max_length=20)
    username = forms.CharField(label=_("登录名"), max_length=30)
    password = forms.CharField(label=_("密码"), max_length=128, widget=forms.PasswordInput)


class ActivateForm(forms.Form):
    username = forms.CharField(label=_("登录名"), max_length=30)
    code = forms.CharField(label=_("验证码"), max_length=16)


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("组织名称"), max_length=100)
    kind = forms.ChoiceField(label=_("组织类型"), choices=_optional(OrganisationKind.choices))
    field = forms.ChoiceField(label=_("业务领域"), choices=_optional(OrganisationField.choices))
    registry_code = forms.ChoiceField(label=_("登记管理机关"), choices=())
    region_code = forms.ChoiceField(label=_("住所所在乡镇（街道）"), choices=())
    address = forms.CharField(label=_("住所"), max_length=200)
    supervising_unit = forms.CharField(
        label=_("业务主管单位"),
        max_length=100,
        required=False,
        help_text=_("行业协会商会、科技、公益慈善、城乡社区服务类直接登记，不填"),
    )
    capital_yuan = forms.IntegerField(label=_("注册资金（元）"), min_value=0, max_value=10**10)
    purpose = forms.CharField(
        label=_("宗旨和业务范围"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    articles = forms.FileField(label=_("章程"), required=False)


class WindowApplicationForm(ApplicationForm):
    legal_name = forms.CharField(label=_("法定代表人姓名"), max_length=64)
    legal_id_number = forms.CharField(label=_("法定代表人身份证号码"), max_length=18)


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    income_yuan = forms.IntegerField(label=_("本年收入（元）"), min_value=0)
    expenditure_yuan = forms.IntegerField(label=_("本年支出（元）"), min_value=0)
    net_assets_yuan = forms.IntegerField(label=_("年末净资产（元）"))
    staff = forms.IntegerField(label=_("专职工作人员数"), min_value=0)
    activities = forms.CharField(
        label=_("主要业务活动"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    supervisor_on = forms.DateField(
        label=_("报业务主管单位日期"), required=False, widget=DateInput()
    )


class InspectForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("年检结论"), choices=_optional(Conclusion.choices))
    remarks = forms.CharField(label=_("年检意见"), max_length=2000, required=False)


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("申请事项"), choices=[("change", _("变更登记")), ("deregister", _("注销登记"))]
    )
    name = forms.CharField(label=_("新名称"), max_length=100, required=False)
    address = forms.CharField(label=_("新住所"), max_length=200, required=False)
    legal_name = forms.CharField(label=_("新法定代表人姓名"), max_length=64, required=False)
    legal_id_number = forms.CharField(
        label=_("新法定代表人身份证号码"),
        max_length=18,
        required=False,
        help_text=_("须与户籍登记一致"),
    )
    capital_yuan = forms.IntegerField(label=_("新注册资金（元）"), min_value=0, required=False)
    purpose = forms.CharField(label=_("新宗旨和业务范围"), max_length=2000, required=False)
    reason = forms.CharField(
        label=_("申请理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class GradeForm(forms.Form):
    score = forms.IntegerField(label=_("评估得分（满分1000）"), min_value=0, max_value=1000)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=_optional(MeasureKind.choices))
    findings = forms.CharField(
        label=_("查明情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount_yuan = forms.IntegerField(label=_("罚款金额（元）"), min_value=1, required=False)
    until = forms.DateField(label=_("停止活动至"), required=False, widget=DateInput())


class ListForm(forms.Form):
    list_kind = forms.ChoiceField(label=_("名录"), choices=_optional(ListKind.choices))
    reason = forms.CharField(label=_("列入理由"), max_length=2000)


class ComplaintForm(forms.Form):
    subject = forms.ChoiceField(label=_("投诉类别"), choices=_optional(ComplaintSubject.choices))
    subject_name = forms.CharField(label=_("被投诉组织名称"), max_length=100)
    region_code = forms.ChoiceField(label=_("活动所在县（市、区）"), choices=())
    content = forms.CharField(
        label=_("投诉内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    complainant_name = forms.CharField(label=_("投诉人姓名"), max_length=64, required=False)
    complainant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("调查情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("书面答复"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
