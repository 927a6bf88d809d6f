from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts.checks import account_eraser_check
        from accounts.receivers import keep_username_key, revoke_tokens_on_password_change

        checks.register(account_eraser_check)

        post_save.connect(
            revoke_tokens_on_password_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="accounts.revoke_tokens_on_password_change",
        )
        post_save.connect(
            keep_username_key,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="accounts.keep_username_key",
        )
