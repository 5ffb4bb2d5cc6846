"""HTML forms of the module's pages: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.core.money import parse_yuan
from minzheng.web.forms import DateInput

from .models import FundingSource, Level, VentureCategory


class YuanField(forms.CharField):
    """An amount in yuan as typed (“12,000.50”), cleaned to integer fen."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_yuan(value)
        except ValueError:
            raise forms.ValidationError(_("请填写金额（元，最多两位小数）")) from None


class WorkerForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    level = forms.ChoiceField(label=_("职业水平"), choices=Level.choices)
    certificate_number = forms.CharField(label=_("证书编号"), max_length=32, required=False)
    certificate_year = forms.IntegerField(
        label=_("取得证书年度"), min_value=1900, max_value=2100, required=False
    )
    organisation_id = forms.ChoiceField(label=_("工作单位（社会组织）"), choices=(), required=False)
    employer_name = forms.CharField(
        label=_("工作单位（其他单位）"),
        max_length=100,
        required=False,
        help_text=_("工作单位不是已登记的社会组织时填写，并选择所在地"),
    )
    region_code = forms.ChoiceField(label=_("工作单位所在地"), choices=(), required=False)
    post = forms.CharField(label=_("岗位"), max_length=64)


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("培训内容"), max_length=100)
    hours = forms.IntegerField(label=_("学时"), min_value=1, max_value=200)
    on = forms.DateField(label=_("培训日期"), widget=DateInput(), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("台账文件（Excel或CSV）"))


class ProjectForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("项目类型"),
        choices=[("purchased", _("政府购买社会工作服务")), ("linkage", _("三社联动"))],
    )
    name = forms.CharField(label=_("项目名称"), max_length=100)
    region_code = forms.ChoiceField(label=_("实施社区（三社联动）"), choices=(), required=False)
    organisation_id = forms.ChoiceField(label=_("承接社会组织"), choices=())
    worker_ids = forms.MultipleChoiceField(
        label=_("参与社工"), choices=(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    service = forms.CharField(
        label=_("服务内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget = YuanField(label=_("项目资金（元）"), max_length=20, required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput())


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("节点内容"), max_length=100)
    due_on = forms.DateField(label=_("计划完成日期"), widget=DateInput())


class MilestoneDoneForm(forms.Form):
    on = forms.DateField(label=_("完成日期"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("完成情况"), max_length=200, required=False)


class AcceptForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("验收结果"),
        choices=[("1", _("合格")), ("0", _("不合格"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("验收意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    on = forms.DateField(label=_("验收日期"), widget=DateInput(), required=False)


class CallForm(forms.Form):
    name = forms.CharField(label=_("创投活动名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    budget = YuanField(label=_("资助总额（元）"), max_length=20)
    funding_source = forms.ChoiceField(label=_("资金来源"), choices=FundingSource.choices)
    opens_on = forms.DateField(label=_("申报开始日期"), widget=DateInput())
    closes_on = forms.DateField(label=_("申报截止日期"), widget=DateInput())
    categories = forms.MultipleChoiceField(
        label=_("资助类别"),
        choices=VentureCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    reviewer_ids = forms.MultipleChoiceField(
        label=_("评审人"), choices=(), widget=forms.SelectMultiple(attrs={"size": 6})
    )


class ApplicationForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=100)
    category = forms.ChoiceField(label=_("资助类别"), choices=())
    amount = YuanField(label=_("申请金额（元）"), max_length=20)
    plan = forms.CharField(
        label=_("实施方案"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


class ReviewForm(forms.Form):
    score = forms.IntegerField(label=_("评分"), min_value=0, max_value=100)
    comment = forms.CharField(label=_("评审意见"), max_length=500, required=False)


class AwardForm(forms.Form):
    amount = YuanField(label=_("资助金额（元）"), max_length=20)
    funding_source = forms.ChoiceField(label=_("资金来源"), choices=FundingSource.choices)


class AssemblyForm(forms.Form):
    association_id = forms.ChoiceField(label=_("社会工作协会"), choices=())
    held_on = forms.DateField(label=_("召开日期"), widget=DateInput())
    members_present = forms.IntegerField(label=_("到会会员数"), min_value=1, max_value=100000)
    resolutions = forms.CharField(
        label=_("会议议题和决议"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
