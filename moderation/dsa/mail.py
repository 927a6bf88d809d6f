"""Mail to notifiers, authors and appellants, in their language.

Each mail is a template ``moderation/dsa/email/<name>.txt`` whose first line is the
subject; it is rendered with the language switched to the recipient's, so that
``{% translate %}`` in it and gettext in the code it calls speak that language.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def mail_send(*, to: str, template: str, context: dict[str, Any], language: str) -> bool:
    """Send one mail; True when the backend took it. A failure is logged, not
    raised: whoever sends keeps what is unsent and tries again later."""
    if not to:
        return False
    with translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
        text = render_to_string(f"moderation/dsa/email/{template}.txt", context)
    subject, _, body = text.strip().partition("\n")
    try:
        send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        logger.exception("could not send the %s mail", template)
        return False
    return True


def absolute(path: str) -> str:
    """A link for a mail: the site's address before a path."""
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path
