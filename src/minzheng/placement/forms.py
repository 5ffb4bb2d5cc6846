"""HTML forms of the placement pages: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import ExamResult, PriorityGroup, Rank


def _count(label):
    return forms.IntegerField(label=label, min_value=0, max_value=20, initial=0, required=False)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("安置年度"), min_value=2000, max_value=2100)
    grant_per_year_yuan = forms.DecimalField(
        label=_("一次性经济补助标准（元/服役年）"),
        max_digits=9,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("不填则按默认标准"),
    )


class RecordForm(forms.Form):
    enlisted_on = forms.DateField(label=_("入伍日期"), widget=DateInput())
    discharged_on = forms.DateField(label=_("退役日期"), widget=DateInput())
    rank = forms.ChoiceField(label=_("军衔（士兵等级）"), choices=Rank.choices)
    priority_group = forms.ChoiceField(
        label=_("重点安置对象类别"),
        choices=[("", _("无"))] + list(PriorityGroup.choices),
        required=False,
    )
    priority_evidence = forms.CharField(label=_("重点对象证明材料"), max_length=200, required=False)
    first_class_merits = _count(_("一等功"))
    second_class_merits = _count(_("二等功"))
    third_class_merits = _count(_("三等功"))
    outstanding_soldier = _count(_("优秀士兵"))
    hardship_months = forms.IntegerField(
        label=_("艰苦边远地区服役月数"), min_value=0, max_value=600, initial=0, required=False
    )
    warnings = _count(_("警告处分"))
    serious_warnings = _count(_("严重警告处分"))
    demerits = _count(_("记过以上处分"))


class NewVeteranForm(RecordForm):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    field_order = ["id_number"]


class PublishForm(forms.Form):
    start = forms.DateField(label=_("公示开始日期"), widget=DateInput())
    end = forms.DateField(label=_("公示结束日期"), widget=DateInput())


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("异议内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(RecordForm):
    upheld = forms.TypedChoiceField(
        label=_("答复结论"),
        choices=[("0", _("异议不成立（驳回）")), ("1", _("异议成立（更正得分）"))],
        coerce=lambda v: v == "1",
    )
    answer = forms.CharField(
        label=_("答复意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["upheld", "answer"]


class PostForm(forms.Form):
    year = forms.TypedChoiceField(label=_("安置年度"), coerce=int)
    unit = forms.CharField(label=_("接收单位"), max_length=100, required=False)
    name = forms.CharField(label=_("岗位名称"), max_length=100)
    count = forms.IntegerField(label=_("岗位数"), min_value=1, max_value=200)
    requirements = forms.CharField(label=_("岗位要求"), max_length=500, required=False)
    location = forms.CharField(label=_("工作地点"), max_length=100, required=False)


class ChoiceForm(forms.Form):
    choice = forms.CharField(label=_("选择"), max_length=20)
    wishes_training = forms.BooleanField(label=_("有培训意愿"), required=False)


class CourseForm(forms.Form):
    name = forms.CharField(label=_("培训项目"), max_length=100)
    provider = forms.CharField(label=_("培训机构"), max_length=100)
    starts_on = forms.DateField(label=_("开班日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结业日期"), widget=DateInput())
    sessions = forms.IntegerField(label=_("课时（次）"), min_value=1, max_value=365, initial=10)


class AttendanceForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput())
    present = forms.BooleanField(label=_("出勤"), required=False, initial=True)


class ExamForm(forms.Form):
    result = forms.ChoiceField(label=_("考核结果"), choices=ExamResult.choices)
    on = forms.DateField(label=_("考核日期"), widget=DateInput())


class OutcomeForm(forms.Form):
    employed = forms.TypedChoiceField(
        label=_("就业情况"),
        choices=[("1", _("已就业")), ("0", _("未就业"))],
        coerce=lambda v: v == "1",
    )
    employer_name = forms.CharField(label=_("就业单位或创业项目"), max_length=100, required=False)
    on = forms.DateField(label=_("登记日期"), widget=DateInput())
