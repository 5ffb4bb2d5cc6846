from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "minzheng.demo"
    label = "demo"
