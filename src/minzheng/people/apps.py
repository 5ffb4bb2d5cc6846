from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "minzheng.people"
    label = "people"
    verbose_name = "人口信息"

    def ready(self):
        from minzheng.core.keycheck import register_cipher_sample

        from .models import Person

        register_cipher_sample(
            lambda: Person.objects.exclude(id_cipher="").values_list("id_cipher", flat=True).first()
        )
