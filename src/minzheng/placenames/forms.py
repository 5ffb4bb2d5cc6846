"""Forms of the place-name pages; the services validate again and name each field's problem."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Conclusion, PlaceClass, SubClass


def subclass_choices():
    groups = []
    for code, label in PlaceClass.choices:
        options = [(v, f"{v} {lab}") for v, lab in SubClass.choices if v[:2] == code]
        groups.append((f"{code} {label}", options))
    return [("", "—")] + groups


class PlaceNameForm(forms.Form):
    standard_name = forms.CharField(label=_("标准名称"), max_length=100)
    subclass = forms.ChoiceField(label=_("类别（小类）"), choices=subclass_choices)
    region = forms.ChoiceField(label=_("所在行政区"), choices=())
    romanised = forms.CharField(
        label=_("罗马字母拼写"),
        max_length=200,
        required=False,
        help_text=_("留空则采用按规则生成的拼写"),
    )
    aliases = forms.CharField(label=_("别名"), max_length=200, required=False)
    short_name = forms.CharField(label=_("简称"), max_length=50, required=False)
    code = forms.CharField(label=_("地名代码"), max_length=32, required=False)
    lon = forms.CharField(label=_("经度（CGCS2000）"), max_length=20, required=False)
    lat = forms.CharField(label=_("纬度（CGCS2000）"), max_length=20, required=False)
    meaning = forms.CharField(
        label=_("含义"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    history = forms.CharField(
        label=_("历史沿革"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    description = forms.CharField(
        label=_("地理实体描述"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), max_length=500, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("普查数据文件（CSV或Excel）"))


class InspectionForm(forms.Form):
    region_a = forms.ChoiceField(label=_("本方行政区"), choices=())
    region_b = forms.ChoiceField(label=_("毗邻行政区"), choices=())
    boundary_name = forms.CharField(label=_("界线名称"), max_length=100, required=False)
    inspected_on = forms.DateField(
        label=_("联检日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    participants = forms.CharField(
        label=_("参加单位和人员"), widget=forms.Textarea(attrs={"rows": 2})
    )
    markers_checked = forms.IntegerField(label=_("检查界桩数"), min_value=0)
    markers_damaged = forms.IntegerField(label=_("损坏或缺失界桩数"), min_value=0, initial=0)
    problems = forms.CharField(
        label=_("发现的问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    conclusion = forms.ChoiceField(label=_("结论"), choices=[("", "—")] + Conclusion.choices)


class SelfCheckForm(forms.Form):
    county = forms.ChoiceField(label=_("县（市、区）"), choices=())
    checked_on = forms.DateField(
        label=_("自查日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    records_checked = forms.IntegerField(label=_("抽查地名条数"), min_value=0)
    records_faulty = forms.IntegerField(label=_("有误条数"), min_value=0, initial=0)
    problems = forms.CharField(
        label=_("发现的问题"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    conclusion = forms.ChoiceField(label=_("结论"), choices=[("", "—")] + Conclusion.choices)
