"""HTML forms of the module's pages: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import CHECKLIST, Category


class RuleForm(forms.Form):
    name = forms.CharField(label=_("积分项目"), max_length=64)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    points = forms.IntegerField(label=_("每次分值"), min_value=1, max_value=1000)
    yearly_cap = forms.IntegerField(
        label=_("每人每年上限"), min_value=1, max_value=1000, required=False
    )
    valid_from = forms.DateField(label=_("生效日期"), widget=DateInput(), required=False)


class ReviseForm(forms.Form):
    points = forms.IntegerField(label=_("新分值"), min_value=1, max_value=1000)
    yearly_cap = forms.IntegerField(
        label=_("每人每年上限"), min_value=1, max_value=1000, required=False
    )
    valid_from = forms.DateField(label=_("生效日期"), widget=DateInput())


class AwardForm(forms.Form):
    person_id = forms.TypedChoiceField(label=_("居民"), coerce=int, choices=())
    rule_id = forms.TypedChoiceField(label=_("积分项目"), coerce=int, choices=())
    awarded_on = forms.DateField(label=_("日期"), widget=DateInput(), required=False)
    note = forms.CharField(
        label=_("事由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(
        label=_("照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("确认结果"),
        coerce=lambda v: v == "1",
        choices=[("1", _("确认")), ("0", _("不予确认"))],
    )
    note = forms.CharField(label=_("意见"), max_length=500, required=False)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲正理由"), max_length=500)


class ItemForm(forms.Form):
    region_code = forms.ChoiceField(label=_("积分超市所属"), choices=())
    name = forms.CharField(label=_("商品"), max_length=64)
    price = forms.IntegerField(label=_("兑换积分"), min_value=1, max_value=1000)
    stock = forms.IntegerField(label=_("库存"), min_value=0, max_value=100000)


class RedeemForm(forms.Form):
    person_id = forms.TypedChoiceField(label=_("居民"), coerce=int, choices=())
    item_id = forms.TypedChoiceField(label=_("商品"), coerce=int, choices=())
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=99, initial=1)
    hand_over = forms.BooleanField(label=_("当场领取"), required=False, initial=True)


class SiteForm(forms.Form):
    region_code = forms.CharField(label=_("行政村区划代码"), max_length=12)
    year = forms.IntegerField(label=_("确定年度"), min_value=2000, max_value=2100)


class ChecklistForm(forms.Form):
    done = forms.MultipleChoiceField(
        label=_("已完成的建设项目"),
        choices=CHECKLIST,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AcceptForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("验收结论"),
        coerce=lambda v: v == "1",
        choices=[("1", _("验收通过")), ("0", _("验收未通过"))],
    )
    note = forms.CharField(label=_("验收意见"), max_length=500, required=False)


class DifficultForm(forms.Form):
    region_code = forms.CharField(label=_("村区划代码"), max_length=12)
    year = forms.IntegerField(label=_("列入年度"), min_value=2000, max_value=2100)
    problems = forms.CharField(
        label=_("发现的问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("任务"), max_length=200)
    due_on = forms.DateField(label=_("完成时限"), widget=DateInput())


class StandardTaskForm(forms.Form):
    region_code = forms.ChoiceField(label=_("县（市、区）"), choices=())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("年度任务"), max_length=200)
    due_on = forms.DateField(label=_("完成时限"), widget=DateInput())
