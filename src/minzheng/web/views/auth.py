"""Sign-in and sign-out through Django's own views; core.signals audits both."""

from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5), so a link or a prefetch cannot sign anyone out."""
