from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.web.forms import DateInput

from .models import Kind


class SubmissionForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    kind = forms.ChoiceField(label=_("类别"), choices=Kind.choices)
    submitted_on = forms.DateField(label=_("报送日期"), widget=DateInput())
    outlet = forms.CharField(label=_("刊发媒体"), max_length=100, required=False)
    adopted = forms.BooleanField(label=_("已采用"), required=False)
    adopted_on = forms.DateField(label=_("采用日期"), widget=DateInput(), required=False)
    link = forms.CharField(label=_("链接"), max_length=500, required=False)
    attachment = forms.FileField(label=_("附件"), required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("count", _("计数")), ("reject", _("不予计数"))]
    )
    reason = forms.CharField(label=_("不予计数原因"), max_length=200, required=False)
