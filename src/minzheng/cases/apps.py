from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "minzheng.cases"
    label = "cases"
    verbose_name = "救助申请办理"
