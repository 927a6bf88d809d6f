"""The link in every mail to an author that turns these mails off, with no sign-in:
a signed token naming the account (django.core.signing, with a salt of its own,
so that no other signed value of the site passes for one). GET shows a page that
asks to confirm; POST turns the mails off (RFC 8058's one-click unsubscribe: mail
programs POST ``List-Unsubscribe=One-Click`` to the link of the
``List-Unsubscribe`` header)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.selectors import reader_profile_find
from accounts.services import reader_preferences_set
from moderation.dsa.mail import absolute

SALT = "stammtisch.notifications.unsubscribe"


def unsubscribe_token(*, user: User) -> str:
    return signing.dumps(user.pk, salt=SALT)


def unsubscribe_url(*, user: User) -> str:
    return absolute(reverse("author-notifications-unsubscribe", args=[unsubscribe_token(user=user)]))


def unsubscribe_user(token: str) -> User | None:
    """The account a token names, or None for a token not made here (or altered)."""
    try:
        user_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(user_id, int):
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


# The token is the authority here, not a session: mail programs POST without a CSRF
# token (RFC 8058), and nothing but turning mails off can be done with it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    user = unsubscribe_user(token)
    if user is None:
        raise Http404("No such link.")
    profile = reader_profile_find(user=user)
    done = request.method == "POST"
    if done:
        profile = reader_preferences_set(user=user, author_notifications=False)
    language = (profile.language if profile else "") or translation.get_language()
    with translation.override(language):
        return render(request, "moderation/notifications/unsubscribe.html", {"done": done})
