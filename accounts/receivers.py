"""Listening to saves of accounts: a new password ends the old token, a new username
gets its key."""

from typing import Any

from django.contrib.auth.models import User

from accounts.services import user_tokens_revoke, username_key_refresh


def revoke_tokens_on_password_change(sender: Any, *, instance: User, created: bool, **kwargs: Any) -> None:
    """After a save that set a new password (``set_password``: the admin's password
    forms, ``changepassword``), the account's API token stops working, as Django
    already ends its sessions. A hash upgrade at login is no password change: Django
    clears ``_password`` before that save, so tokens survive it."""
    if not created and getattr(instance, "_password", None) is not None:
        user_tokens_revoke(user=instance)


def keep_username_key(
    sender: Any,
    *,
    instance: User,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """Every saved account, wherever it was made (registration, the admin,
    createsuperuser), has the key of its username stored, so that no display name
    can look like it. Saves of other fields only (the last login) leave it be."""
    if update_fields is None or "username" in update_fields:
        username_key_refresh(user=instance)
