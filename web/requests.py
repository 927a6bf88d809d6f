"""Request types for the views that only signed-in accounts reach.

A view behind IsAuthenticated (or the admin's login) sees ``request.user`` as an
account, never as the anonymous user; annotating its request with these says so to
the type checker, so that the user can go to the services as it is. They are types
only: Django and DRF hand the views their usual request objects.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import translation
from rest_framework.request import Request


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User


def request_language(request: Request) -> str:
    """The language an API request asks for (Accept-Language), among the site's
    LANGUAGES; the site's LANGUAGE_CODE when it asks for none of them."""
    return translation.get_language_from_request(request._request)
