from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "minzheng.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from . import signals  # noqa: F401  (login/logout audit)
