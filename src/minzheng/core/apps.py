from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "minzheng.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401  (login/logout audit)
        from .keycheck import store_key_check

        post_migrate.connect(store_key_check, sender=self, dispatch_uid="minzheng-key-check")
