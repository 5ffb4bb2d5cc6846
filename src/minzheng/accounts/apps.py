from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "minzheng.accounts"
    label = "accounts"
    verbose_name = "账户与角色"

    def ready(self):
        from . import signals  # noqa: F401
