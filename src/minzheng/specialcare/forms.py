"""HTML forms of the roster's pages: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import (
    Category,
    ChangeKind,
    DisabilityCause,
    DocumentKind,
    EndReason,
    IdCheckMethod,
    Relation,
    ServiceKind,
)


def _optional(choices):
    return [("", "—")] + list(choices)


class AttributesForm(forms.Form):
    certificate_no = forms.CharField(label=_("证件编号"), max_length=40, required=False)
    certificate_issued_on = forms.DateField(label=_("发证日期"), required=False, widget=DateInput())
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级"),
        choices=_optional([(i, _("%(n)s级") % {"n": i}) for i in range(1, 11)]),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("残疾军人必填（一级至十级）"),
    )
    disability_cause = forms.ChoiceField(
        label=_("致残性质"),
        choices=_optional(DisabilityCause.choices),
        required=False,
        help_text=_("残疾军人必填"),
    )
    enlisted_on = forms.DateField(
        label=_("入伍日期"), required=False, widget=DateInput(), help_text=_("退役军人必填")
    )
    discharged_on = forms.DateField(
        label=_("退役日期"), required=False, widget=DateInput(), help_text=_("退役军人必填")
    )
    service_unit = forms.CharField(
        label=_("服役部队"), max_length=100, required=False, help_text=_("退役军人必填")
    )
    soldier_name = forms.CharField(
        label=_("烈士（军人）姓名"),
        max_length=64,
        required=False,
        help_text=_("遗属、军属必填"),
    )
    relation = forms.ChoiceField(
        label=_("与烈士（军人）关系"),
        choices=_optional(Relation.choices),
        required=False,
        help_text=_("遗属、军属必填"),
    )
    soldier_died_on = forms.DateField(
        label=_("牺牲（病故）日期"),
        required=False,
        widget=DateInput(),
        help_text=_("烈士、因公牺牲、病故军人遗属必填"),
    )
    service_kind = forms.ChoiceField(
        label=_("服役类别"),
        choices=_optional(ServiceKind.choices),
        required=False,
        help_text=_("现役军人家属必填"),
    )


class RegisterForm(AttributesForm):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False)
    category = forms.ChoiceField(label=_("优抚类别"), choices=_optional(Category.choices))
    field_order = ["id_number", "category"]


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("变更类型"),
        choices=[(k, v) for k, v in ChangeKind.choices if k != ChangeKind.REGISTER],
    )
    event_on = forms.DateField(
        label=_("事件日期"),
        widget=DateInput(),
        help_text=_("死亡日期、伤残等级评定日期、迁移日期等"),
    )
    disability_grade = forms.TypedChoiceField(
        label=_("新残疾等级"),
        choices=_optional([(i, _("%(n)s级") % {"n": i}) for i in range(1, 11)]),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("残疾等级调整时填写"),
    )
    region_code = forms.CharField(
        label=_("迁入地村（社区）代码"),
        max_length=12,
        required=False,
        help_text=_("跨县迁移时填写12位区划代码"),
    )
    end_reason = forms.ChoiceField(
        label=_("注销原因"),
        choices=_optional([(k, v) for k, v in EndReason.choices if k != EndReason.DEATH]),
        required=False,
        help_text=_("注销时填写"),
    )
    certificate_no = forms.CharField(
        label=_("更正后的证件编号"), max_length=40, required=False, help_text=_("信息更正时填写")
    )
    service_unit = forms.CharField(
        label=_("更正后的服役部队"), max_length=100, required=False, help_text=_("信息更正时填写")
    )
    soldier_name = forms.CharField(
        label=_("更正后的烈士（军人）姓名"),
        max_length=64,
        required=False,
        help_text=_("信息更正时填写"),
    )
    reason = forms.CharField(
        label=_("变更理由"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def change_data(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        if kind == ChangeKind.GRADE:
            return {"disability_grade": data.get("disability_grade")}
        if kind == ChangeKind.MOVE:
            return {"region_code": data.get("region_code", "")}
        if kind == ChangeKind.END:
            return {"end_reason": data.get("end_reason", "")}
        if kind == ChangeKind.CORRECTION:
            return {
                f: data[f]
                for f in ("certificate_no", "service_unit", "soldier_name")
                if data.get(f)
            }
        return {}


class IdCheckForm(forms.Form):
    method = forms.ChoiceField(label=_("认证方式"), choices=_optional(IdCheckMethod.choices))
    on = forms.DateField(label=_("认证日期"), widget=DateInput())


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=_optional(DocumentKind.choices))
    file = forms.FileField(label=_("文件"), help_text=_("PDF、JPG、PNG或OFD，不超过20MB"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
