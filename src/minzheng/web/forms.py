"""HTML forms: they parse and type-check input; the services decide what is valid business-wise."""

from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.core.validators import phone_error
from minzheng.people.models import DisabilityType, Relation, UrbanRural
from minzheng.people.services import validate_person_fields
from minzheng.regions.models import Region

from .selectors import region_choices

PERSON_REGION_LEVELS = [Region.Level.TOWNSHIP, Region.Level.VILLAGE]
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RegionField(forms.ChoiceField):
    """A region picked by code from the user's own regions; cleans to a Region."""

    def clean(self, value):
        code = super().clean(value)
        return Region.objects.filter(code=code).first() if code else None


def _optional(choices) -> list[tuple[str, str]]:
    return [("", "—")] + list(choices)


class PersonForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("身份证号码"), max_length=18, min_length=15)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    hukou_region = RegionField(label=gettext_lazy("户籍地"))
    hukou_type = forms.ChoiceField(label=gettext_lazy("户口性质"), choices=UrbanRural.choices)
    residence_region = RegionField(
        label=gettext_lazy("居住地"), required=False, help_text=gettext_lazy("与户籍地不同时填写")
    )
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    disability_type = forms.ChoiceField(
        label=gettext_lazy("残疾类别"), required=False, choices=_optional(DisabilityType.choices)
    )
    disability_grade = forms.TypedChoiceField(
        label=gettext_lazy("残疾等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_optional((str(i), f"{i}") for i in range(1, 5)),
    )
    death_date = forms.DateField(label=gettext_lazy("死亡日期"), required=False, widget=DateInput())

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = region_choices(user, PERSON_REGION_LEVELS)
        self.fields["hukou_region"].choices = _optional(choices)
        self.fields["residence_region"].choices = _optional(choices)
        self.fields["id_number"].widget.attrs.update(
            autocomplete="off", inputmode="text", spellcheck="false"
        )
        self.editing = editing
        if editing:
            del self.fields["id_number"]
        else:
            del self.fields["death_date"]

    def clean_phone(self):
        # The services' own rule, so the form, the API and the import answer alike.
        phone = re.sub(r"[\s()（）]", "", self.cleaned_data.get("phone") or "")
        if error := phone_error(phone):
            raise forms.ValidationError(error)
        return phone

    def clean(self):
        data = super().clean()
        if not self.editing:
            # Run the services' own checks now, so an ID error shows together with a missing field
            # instead of only after the form is otherwise complete.
            _rid, errors = validate_person_fields(
                id_number=data.get("id_number") or "",
                name=data.get("name") or "",
                hukou_type=data.get("hukou_type") or "",
                disability_type=data.get("disability_type") or "",
                disability_grade=data.get("disability_grade"),
                phone=(data.get("phone") or "").strip(),
            )
            for name, messages in errors.items():
                if name in self.fields and name not in self.errors:
                    for message in messages:
                        self.add_error(name, message)
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["disability_type"] = data.get("disability_type") or ""
        data["phone"] = (data.get("phone") or "").strip()
        return data


class HouseholdForm(forms.Form):
    region = RegionField(label=gettext_lazy("所在村（社区）"))
    head_id_number = forms.CharField(
        label=gettext_lazy("户主身份证号码"),
        max_length=18,
        min_length=15,
        help_text=gettext_lazy("户主须已登记为人员"),
    )
    address = forms.CharField(label=gettext_lazy("住址"), max_length=200, required=False)
    bank_name = forms.CharField(label=gettext_lazy("开户银行"), max_length=64, required=False)
    bank_account = forms.CharField(label=gettext_lazy("银行账号"), max_length=40, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _optional(region_choices(user, [Region.Level.VILLAGE]))


class MemberAddForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("成员身份证号码"), max_length=18, min_length=15)
    relation = forms.ChoiceField(
        label=gettext_lazy("与户主关系"),
        choices=[c for c in Relation.choices if c[0] != Relation.HEAD],
    )
    since = forms.DateField(
        label=gettext_lazy("加入日期"), widget=DateInput(), initial=timezone.localdate
    )


class MemberEndForm(forms.Form):
    until = forms.DateField(
        label=gettext_lazy("离开日期"), widget=DateInput(), initial=timezone.localdate
    )


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(label=gettext_lazy("开户银行"), max_length=64, required=False)
    bank_account = forms.CharField(
        label=gettext_lazy("银行账号"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("留空表示清除账号"),
    )


class ImportForm(forms.Form):
    MODES = [
        ("all_or_nothing", gettext_lazy("全部正确才导入")),
        ("good_rows", gettext_lazy("只导入正确的行")),
    ]
    file = forms.FileField(
        label=gettext_lazy("数据文件"),
        help_text=gettext_lazy("CSV（UTF-8、GBK 或 UTF-16 编码）或 Excel（.xlsx）文件，不超过50MB"),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("导入方式"),
        choices=MODES,
        initial="all_or_nothing",
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in (".csv", ".xlsx"):
            raise forms.ValidationError(_("只支持 CSV 或 .xlsx 文件"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过50MB，请拆分后分批导入"))
        return upload
