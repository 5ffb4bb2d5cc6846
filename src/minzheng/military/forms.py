"""HTML forms of the module's pages: they parse input; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import (
    AppealCategory,
    CadreCategory,
    Channel,
    MilitaryStatus,
    Satisfaction,
    ServiceKind,
    TreatmentCode,
)


def _optional(choices):
    return [("", "—")] + list(choices)


class EnrolmentForm(forms.Form):
    region_code = forms.ChoiceField(label=_("申报单位"), choices=())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    application = forms.CharField(
        label=_("申报材料说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReviewForm(forms.Form):
    result = forms.ChoiceField(
        label=_("审核结果"), choices=[("enrolled", _("已进入创建行列")), ("not_yet", _("暂未进入"))]
    )
    score = forms.IntegerField(label=_("考核得分"), min_value=0, max_value=100)
    evidence = forms.CharField(label=_("考核依据"), max_length=2000)


class HandoverForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    category = forms.ChoiceField(label=_("人员类别"), choices=CadreCategory.choices)
    rank = forms.CharField(label=_("军衔（职级）"), max_length=32)
    handover_year = forms.IntegerField(label=_("移交年度"), min_value=2000, max_value=2100)
    notice_on = forms.DateField(label=_("移交通知日期"), widget=DateInput())
    notice_number = forms.CharField(label=_("移交通知文号"), max_length=64, required=False)


class ReceiveForm(forms.Form):
    on = forms.DateField(label=_("接收日期"), widget=DateInput(), required=False)


class TreatmentForm(forms.Form):
    item = forms.ChoiceField(label=_("待遇项目"), choices=TreatmentCode.choices)
    on = forms.DateField(label=_("落实日期"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("服务类别"), choices=ServiceKind.choices)
    on = forms.DateField(label=_("服务日期"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("服务内容"), max_length=200)


class SurveyForm(forms.Form):
    political = forms.ChoiceField(label=_("政治待遇落实"), choices=Satisfaction.choices)
    living = forms.ChoiceField(label=_("生活待遇落实"), choices=Satisfaction.choices)
    services = forms.ChoiceField(label=_("服务管理"), choices=Satisfaction.choices)
    overall = forms.ChoiceField(label=_("总体评价"), choices=Satisfaction.choices)
    comment = forms.CharField(label=_("意见建议"), max_length=500, required=False)


class AppealForm(forms.Form):
    channel = forms.ChoiceField(label=_("来源渠道"), choices=_optional(Channel.choices))
    appellant_id_number = forms.CharField(
        label=_("诉求人身份证号码"),
        max_length=18,
        required=False,
        help_text=_("人口库中有该人员时填写"),
    )
    appellant_name = forms.CharField(label=_("诉求人姓名"), max_length=64, required=False)
    appellant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    region_code = forms.ChoiceField(label=_("所在乡镇（街道）"), choices=(), required=False)
    military_status = forms.ChoiceField(
        label=_("涉军身份"), choices=_optional(MilitaryStatus.choices)
    )
    category = forms.ChoiceField(label=_("诉求类别"), choices=_optional(AppealCategory.choices))
    content = forms.CharField(
        label=_("诉求内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    received_on = forms.DateField(label=_("收到日期"), widget=DateInput(), required=False)


class OnlineAppealForm(forms.Form):
    military_status = forms.ChoiceField(
        label=_("涉军身份"), choices=_optional(MilitaryStatus.choices)
    )
    category = forms.ChoiceField(label=_("诉求类别"), choices=_optional(AppealCategory.choices))
    content = forms.CharField(
        label=_("诉求内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class OnForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput(), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("书面答复"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    on = forms.DateField(label=_("答复日期"), widget=DateInput(), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("办理情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SatisfactionForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("诉求人评价"), choices=Satisfaction.choices)


class ReviewResultForm(forms.Form):
    result = forms.CharField(
        label=_("复查意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FactsForm(forms.Form):
    result = forms.ChoiceField(
        label=_("核实结果"),
        choices=[("accurate", _("信息准确")), ("corrected", _("信息有误已更正"))],
    )
    note = forms.CharField(label=_("更正说明"), max_length=500, required=False)


class FlagForm(forms.Form):
    abnormal_petition = forms.BooleanField(label=_("非正常赴省进京访"), required=False)
    mass_incident = forms.BooleanField(label=_("群体性事件"), required=False)
    note = forms.CharField(label=_("情况说明"), max_length=500)
