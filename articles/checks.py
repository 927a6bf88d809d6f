"""System checks of the settings that articles reads."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Error as CheckError

from articles.selectors import site_comment_mode_reader


def site_comment_mode_reader_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """SITE_COMMENT_MODE_READER names a function: found now rather than on the
    first request that shows an article."""
    path = settings.SITE_COMMENT_MODE_READER
    if not path:
        return []
    try:
        reader = site_comment_mode_reader(path)
    except ImportError as exc:
        problem = f"names nothing that can be imported ({exc})"
    else:
        if callable(reader):
            return []
        problem = "names something that cannot be called"
    return [
        CheckError(
            f"SITE_COMMENT_MODE_READER={path!r} {problem}.",
            hint="Give the dotted path of a function without arguments that returns the site's "
            'comment mode ("post", "pre", "off", or "" for none), or "" to follow COMMENT_MODE alone.',
            id="stammtisch.E001",
        )
    ]
