"""HTML forms of charity's pages: they parse input; the services decide what is valid. Amounts
are typed in yuan (two decimals at most) and passed on in fen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.money import yuan_to_fen
from minzheng.web.forms import DateInput

from .models import Channel, DonationForm, DonorKind, Purpose, UseCategory


class YuanField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)

    def fen(self, value) -> int:
        return yuan_to_fen(value)


class DonationRecordForm(forms.Form):
    donor_kind = forms.ChoiceField(label=_("捐赠人类型"), choices=DonorKind.choices)
    donor_id_number = forms.CharField(
        label=_("捐赠人身份证号码"), max_length=18, required=False, help_text=_("个人捐赠填写")
    )
    donor_unit = forms.CharField(
        label=_("捐赠单位"), max_length=100, required=False, help_text=_("单位捐赠填写")
    )
    public_anonymous = forms.BooleanField(label=_("捐赠人要求公示时不具名"), required=False)
    form = forms.ChoiceField(label=_("捐赠形式"), choices=DonationForm.choices)
    amount_yuan = YuanField(label=_("金额或物资折合金额（元）"))
    goods_description = forms.CharField(label=_("物资名称及规格"), max_length=200, required=False)
    goods_quantity = forms.IntegerField(label=_("物资数量"), min_value=1, required=False)
    goods_unit = forms.CharField(label=_("计量单位"), max_length=8, required=False)
    received_on = forms.DateField(label=_("接收日期"), widget=DateInput())
    channel = forms.ChoiceField(label=_("接收方式"), choices=Channel.choices)
    campaign_id = forms.ChoiceField(label=_("募捐活动"), choices=(), required=False)
    purpose = forms.ChoiceField(label=_("捐赠用途"), choices=Purpose.choices)
    purpose_note = forms.CharField(label=_("用途说明"), max_length=200, required=False)
    directed = forms.BooleanField(label=_("定向捐赠（只能用于捐赠人指定的用途）"), required=False)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign_id"].choices = [("", "—")] + [(c.pk, c.name) for c in campaigns]


class UseRecordForm(forms.Form):
    category = forms.ChoiceField(label=_("支出类别"), choices=UseCategory.choices)
    project = forms.CharField(label=_("项目名称"), max_length=100)
    beneficiary_id_number = forms.CharField(
        label=_("受助人身份证号码"), max_length=18, required=False
    )
    beneficiary_unit = forms.CharField(label=_("受助单位"), max_length=100, required=False)
    amount_yuan = YuanField(label=_("金额（元）"))
    used_on = forms.DateField(label=_("支出日期"), widget=DateInput())
    purpose = forms.ChoiceField(label=_("用途"), choices=Purpose.choices)
    donation_id = forms.ChoiceField(label=_("资金来源"), choices=(), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, directed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donation_id"].choices = [("", _("非限定资金"))] + [
            (d.pk, d.directed_label) for d in directed
        ]


class MedicalPaymentForm(forms.Form):
    amount_yuan = YuanField(label=_("慈善救助金额（元）"))
    used_on = forms.DateField(label=_("支付日期"), widget=DateInput())
    donation_id = forms.ChoiceField(label=_("资金来源"), choices=(), required=False)

    def __init__(self, *args, directed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donation_id"].choices = [("", _("非限定资金"))] + [
            (d.pk, d.directed_label) for d in directed
        ]


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)
