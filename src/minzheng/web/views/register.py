"""Residents open their own account: sign up with ID number, name, mobile number and password,
then activate with the code texted to the number on record (or printed at the township window)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minzheng.accounts import lockout, registration
from minzheng.core.errors import ServiceError

from .base import apply_service_error


class ResidentRegistrationForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(label=_("身份证号码"), max_length=20)
    phone = forms.CharField(label=_("手机号码"), max_length=11, help_text=_("将作为登录账号"))
    password = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput,
        help_text=_("至少8位，不能全是数字，不能过于常见或与手机号、姓名相似"),
    )
    password_again = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("两次输入的密码不一致"))
        return data


class ActivationForm(forms.Form):
    phone = forms.CharField(label=_("手机号码（登录账号）"), max_length=11)
    code = forms.CharField(
        label=_("验证码或开通码"),
        max_length=16,
        help_text=_("短信验证码为6位数字；窗口开通码为8位数字"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(autocomplete="one-time-code", inputmode="numeric")


def _locked(request, username: str):
    return lockout.lockout_response(request) if lockout.is_locked(request, username) else None


def register(request):
    if request.user.is_authenticated:
        return redirect("web:workbench")
    form = ResidentRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if refused := _locked(request, data["phone"]):
            return refused
        lockout.record_failure(request, data["phone"])  # every sign-up counts, match or not
        try:
            registration.register_resident(
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
                password=data["password"],
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.info(request, registration.neutral_answer())
            return redirect(reverse("web:activate") + f"?phone={data['phone']}")
    return render(request, "web/register.html", {"form": form})


def activate(request):
    if request.user.is_authenticated:
        return redirect("web:workbench")
    form = ActivationForm(
        request.POST or None, initial={"phone": request.GET.get("phone", "")[:11]}
    )
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        if refused := _locked(request, phone):
            return refused
        try:
            user = registration.activate_resident(phone=phone, code=form.cleaned_data["code"])
        except ServiceError as exc:
            lockout.record_failure(request, phone)
            if refused := _locked(request, phone):
                return refused
            apply_service_error(form, exc)
        else:
            login(request, user, backend="minzheng.accounts.backends.PlatformBackend")
            return redirect("web:workbench")
    return render(request, "web/activate.html", {"form": form})
