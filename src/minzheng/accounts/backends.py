from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

UserModel = get_user_model()


class LoginGuardBackend(AxesStandaloneBackend):
    """Refuses a login while its account or client address is locked out (django-axes).

    Axes insists on the request; an authentication without one (the test client's `login`, a
    script inside the server) does not come from the network and has no address to count, so it
    passes on to the next backend. Every network login (sign-in page, token endpoint) hands over
    its request; tests/test_accounts_security.py proves both lock."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PlatformBackend(ModelBackend):
    """Demo accounts can only log in while the platform runs in demo mode."""

    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id):
        # Every page scopes its reads by the user's region and shows its name: read it with the
        # user (one query a request instead of two).
        user = UserModel._default_manager.select_related("region").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
