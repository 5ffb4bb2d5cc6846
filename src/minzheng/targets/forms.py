from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Comparison, Plan, ReportFrequency, SupervisionCase


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReportForm(forms.Form):
    indicator = forms.ChoiceField(label=_("指标"))
    region = forms.ChoiceField(label=_("填报单位"))
    as_of = forms.DateField(
        label=_("数据截止日期"),
        widget=DateInput(),
        help_text=_("填报周期的最后一天，例如月报填当月最后一天"),
    )
    value = forms.DecimalField(
        label=_("数值"),
        required=False,
        max_digits=20,
        decimal_places=4,
        help_text=_(
            "完成类指标填 1（已完成）或 0（未完成）；比率类指标可只填分子、分母，由系统计算"
        ),
    )
    numerator = forms.DecimalField(label=_("分子"), required=False, max_digits=20, decimal_places=4)
    denominator = forms.DecimalField(
        label=_("分母"), required=False, max_digits=20, decimal_places=4
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(
        label=_("证明材料"),
        required=False,
        help_text=_("PDF、图片、Excel、Word 或 OFD，每个不超过20MB；审核通过前必须至少上传一份"),
    )

    def __init__(self, *args, indicator_choices, region_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicator_choices
        self.fields["region"].choices = region_choices

    def figures(self) -> dict:
        """The cleaned figures as targets.services.submit_report takes them (the region or unit
        they are for is the caller's)."""
        keys = ("indicator", "as_of", "value", "numerator", "denominator", "note", "files")
        return {key: self.cleaned_data[key] for key in keys}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("通过")), ("reject", _("退回"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("补充证明材料"))


class TargetForm(forms.Form):
    title = forms.CharField(label=_("目标名称"), max_length=200)
    comparison = forms.ChoiceField(label=_("比较"), choices=Comparison.choices)
    value = forms.DecimalField(label=_("目标值"), max_digits=20, decimal_places=4)
    deadline = forms.DateField(label=_("完成期限"), widget=DateInput())
    weight = forms.DecimalField(label=_("权重"), max_digits=8, decimal_places=2, min_value=0)
    report_frequency = forms.ChoiceField(
        label=_("填报周期"),
        choices=[("", _("按计划"))] + list(ReportFrequency.choices),
        required=False,
    )
    note = forms.CharField(
        label=_("原文表述"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlanSettingsForm(forms.Form):
    title = forms.CharField(label=_("计划名称"), max_length=200)
    status = forms.ChoiceField(label=_("状态"), choices=Plan.Status.choices)
    report_frequency = forms.ChoiceField(label=_("填报周期"), choices=ReportFrequency.choices)
    report_grace_days = forms.IntegerField(label=_("填报宽限天数"), min_value=0, max_value=90)
    pace_tolerance = forms.DecimalField(
        label=_("进度预警容差"),
        min_value=0,
        max_value=1,
        decimal_places=4,
        help_text=_("例如 0.1：完成度落后时间进度10个百分点以上时预警"),
    )
    auto_supervise = forms.BooleanField(label=_("预警自动挂牌督办"), required=False)
    supervision_days = forms.IntegerField(label=_("督办期限（天）"), min_value=1, max_value=365)


class CopyPlanForm(forms.Form):
    year = forms.IntegerField(label=_("新计划年度"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("新计划名称"),
        max_length=200,
        required=False,
        help_text=_("留空则把原名称中的年份替换为新年度"),
    )


class ImportPlanForm(forms.Form):
    file = forms.FileField(
        label=_("计划Excel文件"),
        help_text=_("格式与“导出Excel”相同：计划、工作事项、目标三个工作表"),
    )


class CaseForm(forms.Form):
    reason = forms.ChoiceField(label=_("督办原因"), choices=SupervisionCase.Reason.choices)
    title = forms.CharField(label=_("督办事项"), max_length=200)
    detail = forms.CharField(
        label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput())
    owner = forms.ChoiceField(label=_("责任人"), required=False)

    def __init__(self, *args, owner_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("暂不指定"))] + owner_choices


class CaseNoteForm(forms.Form):
    text = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}))


class CaseCloseForm(forms.Form):
    note = forms.CharField(
        label=_("销号说明"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("写明整改结果")
    )


class RefreshForm(forms.Form):
    date = forms.DateField(
        label=_("快照日期"),
        required=False,
        widget=DateInput(),
        help_text=_("留空为今天；已结束的计划按考核期最后一天"),
    )
