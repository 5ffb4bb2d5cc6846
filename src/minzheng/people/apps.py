from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "minzheng.people"
    label = "people"
    verbose_name = "人口信息"
