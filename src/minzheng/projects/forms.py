"""HTML forms of key projects: they parse input; the services decide what is valid. Amounts are
typed in 万元 or yuan and passed on in fen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.money import yuan_to_fen
from minzheng.targets.forms import MultipleFileField
from minzheng.web.forms import DateInput

from .models import ProjectStatus


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=100)
    region = forms.ChoiceField(label=_("业主区域"), choices=())
    unit = forms.ChoiceField(label=_("承建单位"), choices=(), required=False)
    budget_wan = forms.DecimalField(
        label=_("总投资（万元）"), max_digits=12, decimal_places=2, min_value=0
    )
    site_area_mu = forms.DecimalField(
        label=_("占地面积（亩）"), max_digits=10, decimal_places=2, min_value=0
    )
    start_on = forms.DateField(label=_("开工日期"), widget=DateInput())
    planned_completion_on = forms.DateField(label=_("计划竣工日期"), widget=DateInput())
    description = forms.CharField(
        label=_("建设内容"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, regions=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]

    @staticmethod
    def fen(wan) -> int:
        return yuan_to_fen(wan * 10000)


class ProgressForm(forms.Form):
    period = forms.CharField(
        label=_("月份"), max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    investment_wan = forms.DecimalField(
        label=_("累计完成投资（万元）"), max_digits=12, decimal_places=2, min_value=0
    )
    progress_pct = forms.DecimalField(
        label=_("形象进度（%）"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    narrative = forms.CharField(
        label=_("进展情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultipleFileField(label=_("现场照片"), required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("节点名称"), max_length=100)
    due_on = forms.DateField(label=_("计划完成日期"), widget=DateInput())


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("变更为"),
        choices=[
            (s.value, s.label)
            for s in (ProjectStatus.CONSTRUCTION, ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)
        ],
    )
    on = forms.DateField(label=_("日期"), widget=DateInput())
