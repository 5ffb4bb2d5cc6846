"""HTML forms of the register's pages: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import Category, Channel, Satisfaction

STAFF_CHANNELS = [(c, label) for c, label in Channel.choices if c != Channel.ONLINE]


class StaffComplaintForm(forms.Form):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=STAFF_CHANNELS)
    category = forms.ChoiceField(label=_("投诉类别"), choices=Category.choices)
    anonymous = forms.BooleanField(label=_("匿名（仅来电、来信）"), required=False)
    complainant_id_number = forms.CharField(
        label=_("投诉人身份证号码"), max_length=18, required=False
    )
    complainant_name = forms.CharField(label=_("投诉人姓名"), max_length=64, required=False)
    complainant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    owner_region_code = forms.ChoiceField(label=_("承办地区"), choices=(), required=False)
    owner_unit_code = forms.ChoiceField(label=_("承办单位"), choices=(), required=False)
    content = forms.CharField(
        label=_("投诉内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    received_on = forms.DateField(label=_("收到日期"), widget=DateInput(), required=False)


class OnlineComplaintForm(forms.Form):
    category = forms.ChoiceField(label=_("投诉类别"), choices=Category.choices)
    complainant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    content = forms.CharField(
        label=_("投诉内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class OnForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput(), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferForm(forms.Form):
    to_region_code = forms.ChoiceField(label=_("转往地区"), choices=(), required=False)
    to_unit_code = forms.ChoiceField(label=_("转往单位"), choices=(), required=False)
    note = forms.CharField(label=_("转办说明"), max_length=500)


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=30, initial=30)
    reason = forms.CharField(
        label=_("延期理由（将告知投诉人）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InvestigateForm(forms.Form):
    findings = forms.CharField(
        label=_("调查情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    substantiated = forms.TypedChoiceField(
        label=_("投诉是否属实"),
        choices=[("", "—"), ("1", _("属实")), ("0", _("不属实"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("书面答复"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    on = forms.DateField(label=_("答复日期"), widget=DateInput(), required=False)


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("对答复的评价"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("复查请求"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewResultForm(forms.Form):
    result = forms.CharField(
        label=_("复查意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    pass
