from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import record
from .context import acting_as, actor_for_user
from .middleware import client_ip


def _ip(request):
    return client_ip(request) if request is not None else ""


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    with acting_as(actor_for_user(user, ip=_ip(request))):
        record("login", obj=user, object_repr=user.get_username())


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        with acting_as(actor_for_user(user, ip=_ip(request))):
            record("logout", obj=user, object_repr=user.get_username())


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    record(
        "login_failed",
        object_type="accounts.user",
        object_repr=str(credentials.get("username", ""))[:150],
    )
