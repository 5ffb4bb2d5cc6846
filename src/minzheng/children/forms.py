"""HTML forms of the children's pages: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import (
    CareType,
    Category,
    DifficultyReason,
    MeasureKind,
    ParentStatus,
    ReferralStatus,
    ReferralTarget,
    ReporterKind,
    Urgency,
)


def _optional(choices):
    return [("", "—")] + list(choices)


class RecordForm(forms.Form):
    category = forms.ChoiceField(label=_("儿童类别"), choices=Category.choices)
    difficulty_reason = forms.ChoiceField(
        label=_("困境类型"),
        choices=_optional(DifficultyReason.choices),
        required=False,
        help_text=_("困境儿童必填"),
    )
    care_type = forms.ChoiceField(
        label=_("养育方式"),
        choices=_optional(CareType.choices),
        required=False,
        help_text=_("孤儿必填"),
    )
    guardian_id_number = forms.CharField(
        label=_("监护人身份证号码"),
        max_length=18,
        required=False,
        help_text=_("监护人在人口库中时填写；否则填写姓名"),
    )
    guardian_name = forms.CharField(label=_("监护人姓名"), max_length=64, required=False)
    guardian_relation = forms.CharField(label=_("与儿童关系"), max_length=32, required=False)
    guardian_phone = forms.CharField(label=_("监护人电话"), max_length=20, required=False)
    father_status = forms.ChoiceField(label=_("父亲情况"), choices=ParentStatus.choices)
    father_place = forms.CharField(label=_("父亲所在地"), max_length=100, required=False)
    mother_status = forms.ChoiceField(label=_("母亲情况"), choices=ParentStatus.choices)
    mother_place = forms.CharField(label=_("母亲所在地"), max_length=100, required=False)
    school = forms.CharField(label=_("就读学校"), max_length=100, required=False)
    officer_name = forms.CharField(label=_("儿童主任"), max_length=64, required=False)


class NewRecordForm(RecordForm):
    id_number = forms.CharField(label=_("儿童身份证号码"), max_length=18)
    field_order = ["id_number"]


class ReportForm(forms.Form):
    id_number = forms.CharField(
        label=_("儿童身份证号码"), max_length=18, required=False, help_text=_("知道时填写")
    )
    name = forms.CharField(label=_("儿童姓名"), max_length=64, required=False)
    age = forms.IntegerField(label=_("年龄"), min_value=0, max_value=17, required=False)
    region_code = forms.ChoiceField(label=_("所在乡镇（街道）"), required=False)
    place = forms.CharField(label=_("所在地点"), max_length=200, required=False)
    what_happened = forms.CharField(
        label=_("发生了什么"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    reporter_kind = forms.ChoiceField(
        label=_("报告单位类别"), choices=ReporterKind.choices, required=False
    )
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = _optional(regions)


class ContactForm(forms.Form):
    action = forms.CharField(
        label=_("应急处置情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    id_number = forms.CharField(
        label=_("儿童身份证号码"),
        max_length=18,
        required=False,
        help_text=_("报告时未能确认身份的，核实后填写"),
    )


class AssessmentForm(forms.Form):
    assessment = forms.CharField(
        label=_("评估结论"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    on = forms.DateField(label=_("评估日期"), required=False, widget=DateInput())


class PlanForm(forms.Form):
    plan = forms.CharField(
        label=_("帮扶计划"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    on = forms.DateField(label=_("计划日期"), required=False, widget=DateInput())


class ReferralForm(forms.Form):
    target = forms.ChoiceField(label=_("转介对象"), choices=ReferralTarget.choices)
    organisation = forms.CharField(label=_("接收单位"), max_length=100)
    need = forms.CharField(label=_("转介事项"), max_length=200)


class ReferralResultForm(forms.Form):
    referral = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("转介结果"),
        choices=[c for c in ReferralStatus.choices if c[0] != ReferralStatus.PENDING],
    )
    note = forms.CharField(label=_("结果说明"), max_length=200, required=False)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("干预措施"), choices=MeasureKind.choices)
    document = forms.CharField(label=_("文书编号"), max_length=100)
    on = forms.DateField(label=_("日期"), required=False, widget=DateInput())
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("结案说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    skip_reason = forms.CharField(
        label=_("无需监护干预的理由"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("未经监护干预直接结案时必填"),
    )
