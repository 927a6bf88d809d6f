"""The discussion listening to the accounts: a new password ends the old token."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from discussion.services import user_tokens_revoke


def revoke_tokens_on_password_change(
    sender: Any, *, instance: AbstractBaseUser, created: bool, **kwargs: Any
) -> None:
    """After a save that set a new password (``set_password``: the admin's password
    forms, ``changepassword``), the account's API token stops working, as Django
    already ends its sessions. A hash upgrade at login is no password change: Django
    clears ``_password`` before that save, so tokens survive it."""
    if not created and getattr(instance, "_password", None) is not None:
        user_tokens_revoke(user=instance)
