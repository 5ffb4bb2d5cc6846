"""Forms of the keeper's pages; the services do the checks, these only parse the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Batch, Depot, Item, MovementKind

DATE = forms.DateInput(attrs={"type": "date"})


class ReceiveForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("入库类别"),
        choices=[
            (MovementKind.PURCHASE, MovementKind.PURCHASE.label),
            (MovementKind.DONATION, MovementKind.DONATION.label),
        ],
    )
    item = forms.ModelChoiceField(
        label=_("物资品种"), queryset=Item.objects.all(), empty_label=_("请选择")
    )
    batch_number = forms.CharField(label=_("批次号"), max_length=32)
    quantity = forms.IntegerField(label=_("数量"), min_value=1)
    occurred_on = forms.DateField(label=_("入库日期"), widget=DATE)
    expires_on = forms.DateField(
        label=_("有效期至"), widget=DATE, required=False, help_text=_("食品、饮用水等必填")
    )
    supplier = forms.CharField(label=_("供货（捐赠）单位"), max_length=64, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class BatchChoice(forms.ModelChoiceField):
    def __init__(self, *args, balances: dict | None = None, **kwargs):
        self.balances = balances or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Batch):
        available = self.balances.get(obj.pk, {}).get("available", 0)
        return _("%(item)s %(number)s（可用 %(available)s%(unit)s）") % {
            "item": obj.item.name,
            "number": obj.number,
            "available": available,
            "unit": obj.item.unit,
        }


def _batch_field(balances: dict) -> BatchChoice:
    held = [pk for pk, b in balances.items() if b["available"] > 0]
    return BatchChoice(
        label=_("物资批次"),
        queryset=Batch.objects.filter(pk__in=held).select_related("item"),
        empty_label=_("请选择"),
        balances=balances,
    )


class IssueForm(forms.Form):
    quantity = forms.IntegerField(label=_("发放数量"), min_value=1)
    occurred_on = forms.DateField(label=_("发放日期"), widget=DATE)
    recipient = forms.CharField(label=_("领用单位（人）"), max_length=64)
    purpose = forms.CharField(label=_("用途"), max_length=128)
    reference = forms.CharField(
        label=_("关联灾情或决定"), max_length=64, required=False, help_text=_("例如：灾情 #12")
    )

    def __init__(self, *args, balances: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"batch": _batch_field(balances), **self.fields}


class TransferForm(forms.Form):
    to_depot = forms.ModelChoiceField(
        label=_("调入储备库"), queryset=Depot.objects.none(), empty_label=_("请选择")
    )
    quantity = forms.IntegerField(label=_("调拨数量"), min_value=1)
    occurred_on = forms.DateField(label=_("调拨日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, balances: dict, source: Depot, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"batch": _batch_field(balances), **self.fields}
        self.fields["to_depot"].queryset = Depot.objects.exclude(pk=source.pk).select_related(
            "region"
        )


class CountForm(forms.Form):
    counted_on = forms.DateField(label=_("盘点日期"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            batch = row["batch"]
            self.fields[f"b{batch.pk}"] = forms.IntegerField(
                label=_("%(item)s %(number)s 实盘（%(unit)s）")
                % {"item": batch.item.name, "number": batch.number, "unit": batch.item.unit},
                min_value=0,
                required=False,
            )

    def lines(self) -> dict[int, int]:
        return {
            row["batch"].pk: self.cleaned_data[f"b{row['batch'].pk}"]
            for row in self.rows
            if self.cleaned_data.get(f"b{row['batch'].pk}") is not None
        }


class ResolveForm(forms.Form):
    explanation = forms.CharField(
        label=_("差异原因及处理"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
