"""HTML forms of the module's pages: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Availability, Skill


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RegisterForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("服务技能"),
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    area_codes = forms.MultipleChoiceField(
        label=_("服务区域"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    availability = forms.ChoiceField(
        label=_("服务时间"), choices=[("", "—")] + list(Availability.choices), required=False
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class WindowRegisterForm(RegisterForm):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False)
    field_order = ["id_number", "skills", "area_codes", "availability", "phone"]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("服务队名称"), max_length=100, required=False)
    region_code = forms.ChoiceField(label=_("所在地区"), choices=())
    leader_number = forms.CharField(label=_("队长志愿者编号"), max_length=20, required=False)
    description = forms.CharField(label=_("服务队简介"), max_length=500, required=False)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=100, required=False)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput(), required=False)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput(), required=False)
    place = forms.CharField(label=_("活动地点"), max_length=200, required=False)
    region_code = forms.ChoiceField(label=_("活动地区"), choices=())
    capacity = forms.IntegerField(label=_("招募人数"), min_value=1, max_value=1000, required=False)
    skills = forms.MultipleChoiceField(
        label=_("所需技能"),
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
