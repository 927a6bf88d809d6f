"""A reader deletes their account (GDPR Art. 17, the right to erasure): DELETE /api/me/
calls reader_account_erase through the setting ACCOUNT_ERASER, as accounts imports
nothing above itself.

Lives in moderation because the audit log is moderation's: what the reader wrote is
erased, while the entries about it stay, referring to an account left behind under a
pseudonym. What is erased, in one transaction:

- comments: text and earlier texts gone, each removed and audited as its author's
  change ("deleted with the account"); with ACCOUNT_DELETION_COMMENTS=placeholder the
  published ones keep their place in their threads as placeholders, with ``remove``
  they leave the threads (a placeholder only above published replies). Replies stay.
- likes: deleted, the liked comments' counts down by one each.
- reports: kept for the moderators, from nobody; the reader still counts as one.
- the account: username replaced by a pseudonym (the old one free for anyone),
  email, names and display name emptied, password unusable, inactive, marked deleted
  on its profile; the API token, any authenticator app and the login guard's
  records of the old username deleted; sessions end.

Staff accounts (administrators, moderators) cannot delete themselves this way: the
audit log names them as deciders, and an administrator removes them.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.debug import sensitive_variables

from accounts.services import account_anonymize, user_password_confirm
from discussion.services import (
    comments_of_author_erase,
    reactions_of_user_remove,
    reports_of_reporter_anonymize,
)
from moderation.models import Notice
from moderation.permissions import is_staff_account
from web.errors import Forbidden

logger = logging.getLogger(__name__)

STAFF_REFUSED = gettext_noop(
    "Staff accounts (moderators and administrators) cannot be deleted here; an administrator removes them."
)


@sensitive_variables("password")
def reader_account_erase(*, user: User, password: str, request: HttpRequest) -> None:
    """Delete the account of the signed-in reader ``user`` at their request, as the
    module says. Forbidden (code ``staff_account``) for a staff account; InvalidInput
    naming ``password`` when the account has a password and it is missing or wrong
    (counted as a failed login: accounts.services.user_password_confirm). Nothing
    changes then. Otherwise everything is erased in one transaction, which first
    locks the account, so that of two deletions at once the second finds it deleted
    and does nothing. A fixed number of queries plus at most four per comment (its
    status change and audit entry); likes and reports cost the same however many."""
    if is_staff_account(user):
        raise Forbidden(gettext(STAFF_REFUSED), code="staff_account")
    # Before the transaction: a failed attempt is recorded even though nothing else is.
    user_password_confirm(user=user, password=password, request=request)
    keep_in_threads = settings.ACCOUNT_DELETION_COMMENTS == "placeholder"
    with transaction.atomic():
        accounts = get_user_model().objects.select_for_update().filter(pk=user.pk, is_active=True)
        if not list(accounts.values_list("pk", flat=True)):
            return
        comments = comments_of_author_erase(user=user, keep_in_threads=keep_in_threads)
        likes = reactions_of_user_remove(user=user)
        reports = reports_of_reporter_anonymize(user=user)
        # Notices they sent while signed in keep their case, not who sent it.
        Notice.objects.filter(notifier=user).update(notifier=None, notifier_name="", notifier_email="")
        account_anonymize(user=user)
    # By the account's id only: the name is what was just erased.
    logger.info(
        "account %s deleted by its reader: %d comments, %d likes, %d reports",
        user.pk,
        comments,
        likes,
        reports,
    )
