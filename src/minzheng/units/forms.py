from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Unit


class UnitForm(forms.Form):
    code = forms.SlugField(
        label=_("单位代码"),
        max_length=32,
        help_text=_("小写字母、数字和连字符，例如 relief-station；创建后不可修改"),
    )
    name = forms.CharField(label=_("单位名称"), max_length=64)
    kind = forms.ChoiceField(label=_("单位类别"), choices=Unit.Kind.choices)
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, required=False)


class UnitEditForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=64)
    kind = forms.ChoiceField(label=_("单位类别"), choices=Unit.Kind.choices)
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767)
    active = forms.BooleanField(label=_("在用"), required=False)


class StaffForm(forms.Form):
    username = forms.ChoiceField(label=_("账号"))
    action = forms.ChoiceField(
        label=_("操作"),
        choices=[("add", _("加入本单位")), ("remove", _("移出本单位"))],
        widget=forms.RadioSelect,
        initial="add",
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].choices = [
            (
                a.username,
                f"{a.get_full_name() or a.username}（{a.username}）"
                + (f" · {a.unit.name}" if a.unit_id else ""),
            )
            for a in accounts
        ]


class AssignForm(forms.Form):
    """One value per unit; a unit left blank gets no share."""

    replace = forms.BooleanField(label=_("未填写的单位取消分解"), required=False)

    def __init__(self, *args, units, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units
        for unit in units:
            self.fields[f"u_{unit.code}"] = forms.DecimalField(
                label=unit.name,
                required=False,
                max_digits=20,
                decimal_places=4,
                initial=current.get(unit.pk),
            )

    def shares(self):
        return [
            (u, self.cleaned_data[f"u_{u.code}"])
            for u in self.units
            if self.cleaned_data.get(f"u_{u.code}") is not None
        ]
