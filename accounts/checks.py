"""System checks of the settings that accounts reads."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Error as CheckError

from accounts.services import account_eraser


def account_eraser_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """ACCOUNT_ERASER names a function: found at start-up rather than when the first
    reader deletes their account."""
    path = settings.ACCOUNT_ERASER
    try:
        eraser = account_eraser(path)
    except ImportError as exc:
        problem = f"names nothing that can be imported ({exc})"
    else:
        if callable(eraser):
            return []
        problem = "names something that cannot be called"
    return [
        CheckError(
            f"ACCOUNT_ERASER={path!r} {problem}.",
            hint="Give the dotted path of the function that deletes a reader's account "
            "(keyword arguments user, password and request), as config/settings.py does.",
            id="stammtisch.E002",
        )
    ]
