"""An account's API tokens end when its password changes or it is disabled."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import ApiToken, User


@receiver(pre_save, sender=User)
def _note_password_change(sender, instance, update_fields=None, **kwargs):
    # set_password() keeps the raw password in `_password` until the save; a hash assigned
    # directly (sign-up activation) is a new account without tokens.
    instance._revoke_tokens = instance.pk is not None and (
        getattr(instance, "_password", None) is not None or not instance.is_active
    )


@receiver(post_save, sender=User)
def _revoke_tokens(sender, instance, created, **kwargs):
    if getattr(instance, "_revoke_tokens", False):
        ApiToken.objects.filter(user_id=instance.pk).delete()
