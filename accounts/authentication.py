"""API token authentication that also tells whether the token was got with the
second factor."""

import functools
from typing import Any

from rest_framework import authentication
from rest_framework.authtoken.models import Token

from accounts.selectors import token_has_second_factor


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's ``Authorization: Token …``. The user answers ``is_verified()`` as
    django-otp's middleware makes a session's user answer it: true only for a token
    got with the code of the account's authenticator app. So a permission asks one
    question of sessions and tokens alike. The answer is looked up when asked (one
    query), not on every request."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        user.is_verified = functools.partial(token_has_second_factor, token=token)
        return user, token
