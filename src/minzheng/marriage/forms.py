"""HTML forms of marriage registration: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import AnnulmentGround, AnnulmentKind, ArchiveKind, Kind
from .selectors import SLOTS


def _optional(choices):
    return [("", "—")] + list(choices)


class RegisterForm(forms.Form):
    man_name = forms.CharField(label=_("男方姓名"), max_length=64)
    man_id_number = forms.CharField(label=_("男方身份证号码"), max_length=18)
    woman_name = forms.CharField(label=_("女方姓名"), max_length=64)
    woman_id_number = forms.CharField(label=_("女方身份证号码"), max_length=18)
    free_will_man = forms.BooleanField(
        label=_("男方已当面声明：本人自愿结婚，无配偶，与对方无禁止结婚的亲属关系"), required=False
    )
    free_will_woman = forms.BooleanField(
        label=_("女方已当面声明：本人自愿结婚，无配偶，与对方无禁止结婚的亲属关系"), required=False
    )
    kinship = forms.CharField(required=False, widget=forms.HiddenInput, label=_("亲属关系"))


class BookForm(forms.Form):
    registry_code = forms.ChoiceField(label=_("婚姻登记处"), choices=())
    kind = forms.ChoiceField(label=_("办理事项"), choices=_optional(Kind.choices))
    day = forms.DateField(label=_("预约日期"), widget=DateInput())
    slot = forms.ChoiceField(label=_("预约时段"), choices=_optional((s, s) for s in SLOTS))
    partner_name = forms.CharField(label=_("另一方姓名"), max_length=64)
    partner_id_number = forms.CharField(label=_("另一方身份证号码"), max_length=18)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class DivorceForm(forms.Form):
    children_agreement = forms.CharField(
        label=_("子女抚养协议"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    property_agreement = forms.CharField(
        label=_("财产处理协议"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    debts_agreement = forms.CharField(
        label=_("债务处理协议"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    free_will_man = forms.BooleanField(label=_("男方已当面声明自愿离婚"), required=False)
    free_will_woman = forms.BooleanField(label=_("女方已当面声明自愿离婚"), required=False)


class ConfirmForm(forms.Form):
    confirmed_man = forms.BooleanField(label=_("男方本人到场确认离婚"), required=False)
    confirmed_woman = forms.BooleanField(label=_("女方本人到场确认离婚"), required=False)
    on = forms.CharField(required=False, widget=forms.HiddenInput, label=_("日期"))


class WithdrawForm(forms.Form):
    party_name = forms.CharField(label=_("撤回方姓名"), max_length=64)


class ReissueForm(forms.Form):
    reason = forms.CharField(label=_("补领原因"), max_length=200)


class AnnulmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=_optional(AnnulmentKind.choices))
    ground = forms.ChoiceField(label=_("事由"), choices=_optional(AnnulmentGround.choices))
    court = forms.CharField(label=_("作出裁判的法院"), max_length=100)
    ruling_no = forms.CharField(label=_("裁判文书号"), max_length=64)
    ruling_date = forms.DateField(label=_("裁判日期"), widget=DateInput())


class ArchiveForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=_optional(ArchiveKind.choices))
    file = forms.FileField(label=_("扫描件（PDF、JPG、PNG，不超过10MB）"))


class CheckForm(forms.Form):
    passed = forms.ChoiceField(
        label=_("检查结论"),
        choices=[("1", _("合格")), ("0", _("不合格"))],
        widget=forms.RadioSelect,
    )
    defect = forms.CharField(label=_("存在问题"), max_length=200, required=False)
