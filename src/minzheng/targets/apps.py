from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "minzheng.targets"
    label = "targets"
    verbose_name = "民政CEO目标管理"
