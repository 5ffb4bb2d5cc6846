"""Residents open their own account with their resident ID and mobile number."""

from django import forms
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.services import register_resident
from minzheng.core.errors import ServiceError


class ResidentRegistrationForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    id_number = forms.CharField(label=_("身份证号码"), max_length=20)
    phone = forms.CharField(label=_("手机号码"), max_length=11)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, help_text=_("至少8位"))
    password_again = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("两次输入的密码不一致"))
        return data


def register(request):
    if request.user.is_authenticated:
        return redirect("web:workbench")
    form = ResidentRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register_resident(id_number=data["id_number"], name=data["name"], phone=data["phone"], password=data["password"])
        except ServiceError as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            login(request, user, backend="minzheng.accounts.backends.PlatformBackend")
            return redirect("web:workbench")
    return render(request, "web/register.html", {"form": form})
