"""Forms of the funeral pages. They only parse what the clerk typed (dates, whole numbers, a choice
among the records in the user's scope); every rule lives in the services, whose field-level
errors are put back under their fields with `web.views.base.apply_service_error`. Templates
render each field with `cases/_field.html` (the field marked invalid and described by its
error)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BASIC_ITEMS, AreaKind, BurialKind, Cemetery, Provider, ServiceItem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# A service's error on "region" (the region out of the user's scope) belongs under the code field.
REGION_FIELD = {"region": "region_code"}


class CremationForm(forms.Form):
    id_number = forms.CharField(
        label=_("逝者身份证号码"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label=_("逝者姓名"), max_length=64)
    death_date = forms.DateField(label=_("死亡日期"), widget=DATE)
    correct_death_date = forms.BooleanField(
        label=_("更正死亡日期（以死亡证明为准）"), required=False
    )
    cremated_on = forms.DateField(label=_("火化日期"), widget=DATE)
    family_contact = forms.CharField(label=_("经办家属"), max_length=64)
    family_phone = forms.CharField(label=_("家属电话"), max_length=20, required=False)
    items = forms.MultipleChoiceField(
        label=_("提供的基本殡葬服务"),
        choices=ServiceItem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=list(BASIC_ITEMS),
    )


class CemeteryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Cemetery) -> str:
        return _("%(name)s（余 %(n)s 穴）") % {"name": obj.name, "n": obj.free}


class BurialForm(forms.Form):
    id_number = forms.CharField(
        label=_("逝者身份证号码"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(label=_("逝者姓名"), max_length=64)
    kind = forms.ChoiceField(label=_("安葬方式"), choices=BurialKind.choices, initial="tree")
    cemetery_id = CemeteryChoice(
        label=_("公墓（海葬不填）"), queryset=Cemetery.objects.none(), required=False
    )
    buried_on = forms.DateField(label=_("安葬日期"), widget=DATE)

    def __init__(self, *args, cemeteries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cemetery_id"].queryset = cemeteries


class CemeteryForm(forms.Form):
    name = forms.CharField(label=_("公墓名称"), max_length=100)
    kind = forms.ChoiceField(
        label=_("公墓类型"), choices=Cemetery.Kind.choices, initial=Cemetery.Kind.VILLAGE_ECO
    )
    region_code = forms.CharField(
        label=_("所在区域代码（村级生态公墓填所在村的代码）"), max_length=12
    )
    operator_id = forms.ModelChoiceField(label=_("经营管理单位"), queryset=Provider.objects.none())
    capacity = forms.IntegerField(label=_("设计容量（穴位）"), min_value=1, max_value=200_000)
    built_on = forms.DateField(label=_("建成日期"), widget=DATE)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator_id"].queryset = providers


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=100)
    kind = forms.ChoiceField(
        label=_("机构类型"), choices=Provider.Kind.choices, initial=Provider.Kind.FUNERAL_HOME
    )
    region_code = forms.CharField(label=_("所在区域代码"), max_length=12)
    licence_number = forms.CharField(label=_("许可证号"), max_length=40)
    licence_valid_until = forms.DateField(label=_("许可证有效期至"), widget=DATE)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("检查日期"), widget=DATE)
    score = forms.IntegerField(label=_("得分"), min_value=0, max_value=100)
    passed = forms.TypedChoiceField(
        label=_("结论"),
        choices=(("1", _("达标")), ("0", _("未达标"))),
        coerce=lambda v: v == "1",
        initial="1",
    )
    note = forms.CharField(label=_("检查意见"), max_length=500, required=False)


class AreaForm(forms.Form):
    region_code = forms.CharField(label=_("县或乡镇代码"), max_length=12)
    kind = forms.ChoiceField(label=_("类型"), choices=AreaKind.choices)
    reason = forms.CharField(label=_("依据"), max_length=200, required=False)


class MonthInput(forms.TextInput):
    input_type = "month"


class ClaimForm(forms.Form):
    county_code = forms.ChoiceField(label=_("逝者户籍地县（市、区）"), choices=())
    month = forms.CharField(label=_("服务月份"), max_length=7, widget=MonthInput)

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county_code"].choices = [(c.code, c.name) for c in counties]

    def clean_month(self) -> dt.date:
        text = self.cleaned_data["month"].strip()
        try:
            return dt.datetime.strptime(text + "-01", "%Y-%m-%d").date()
        except ValueError:
            raise forms.ValidationError(_("请选择服务月份")) from None


class BindForm(forms.Form):
    username = forms.CharField(label=_("殡葬服务机构账号（用户名）"), max_length=150)
