"""The township window's part in resident accounts: print an activation code after checking the
ID card, and reset an account someone else took. Both audited (accounts.registration)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from minzheng.accounts import registration
from minzheng.core.errors import ServiceError
from minzheng.people import selectors

from .base import page


def may_manage_accounts(user) -> bool:
    return bool(user.is_authenticated and user.role in registration.WINDOW_ROLES and user.can_write)


window_page = page(
    check=may_manage_accounts,
    message=gettext_lazy("只有乡镇（街道）受理员或系统管理员可以办理居民账号业务"),
)


class ResetForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("核验情况"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("如：已核验身份证原件，本人称未注册该账号"),
    )


@never_cache
@require_POST
@window_page
def activation_code(request, pk):
    person = selectors.get_person(request.user, pk)
    try:
        code, row = registration.issue_activation_code(user=request.user, person=person)
    except ServiceError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
        return redirect("web:person_detail", pk=person.pk)
    return render(
        request,
        "web/activation_code.html",
        {"person": person, "code": code, "expires_at": row.expires_at},
    )


@require_POST
@window_page
def reset_account(request, pk):
    person = selectors.get_person(request.user, pk)
    form = ResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明核验情况（如：已核验身份证原件，本人称未注册该账号）"))
        return redirect("web:person_detail", pk=person.pk)
    try:
        registration.reset_resident_account(
            user=request.user, person=person, note=form.cleaned_data["note"]
        )
    except ServiceError as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("已重置该居民的账号，本人可重新注册"))
    return redirect("web:person_detail", pk=person.pk)
