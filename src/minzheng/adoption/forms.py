"""HTML forms of adoption registration: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Situation


class ApplyForm(forms.Form):
    child_name = forms.CharField(label=_("被收养人姓名"), max_length=64)
    child_id_number = forms.CharField(label=_("被收养人身份证号码"), max_length=18)
    situation = forms.ChoiceField(
        label=_("被收养人情况"), choices=[("", "—")] + list(Situation.choices)
    )
    placing_party = forms.CharField(label=_("送养人"), max_length=100)
    adopter_name = forms.CharField(label=_("收养人姓名"), max_length=64)
    adopter_id_number = forms.CharField(label=_("收养人身份证号码"), max_length=18)
    spouse_name = forms.CharField(label=_("收养人配偶姓名"), max_length=64, required=False)
    spouse_id_number = forms.CharField(
        label=_("收养人配偶身份证号码"), max_length=18, required=False
    )


class CloseNoticeForm(forms.Form):
    parents_claimed = forms.BooleanField(label=_("公告期间生父母或其他监护人认领"), required=False)


class DecideForm(forms.Form):
    approve = forms.ChoiceField(
        label=_("审查决定"),
        choices=[("1", _("准予登记")), ("0", _("不予登记"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("不予登记理由"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CheckForm(forms.Form):
    passed = forms.ChoiceField(
        label=_("检查结论"),
        choices=[("1", _("合格")), ("0", _("不合格"))],
        widget=forms.RadioSelect,
    )
    defect = forms.CharField(label=_("存在问题"), max_length=200, required=False)
