"""The second factor, where it applies, for the parts of the API that staff and the
newsroom's systems use."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext, gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

SECOND_FACTOR_NEEDED = gettext_noop(
    "This needs a sign-in with the second factor: get a new API token with your password "
    "and the current code of your authenticator app (otp). Without an authenticator app, "
    "have one set up first (the admin's two-factor page, or `manage.py totp_enroll <username>`)."
)


class SecondFactorWhereItApplies(BasePermission):
    """A signed-in account that ``allowed`` admits, with the second factor where one
    applies: for every account that has an authenticator app, and for all staff where
    OTP_REQUIRED_FOR_STAFF is on. A session counts once the admin's login took the
    code, a token once it was got with the code; one got with the password alone
    (before the app was set up, say) does not."""

    def allowed(self, request: Request, user: Any) -> bool:
        raise NotImplementedError

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and self.allowed(request, user)):
            return False
        applies = (user.is_staff and settings.OTP_REQUIRED_FOR_STAFF) or (
            TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
        )
        if not applies or getattr(user, "is_verified", lambda: False)():
            return True
        # DRF puts these in its 403 answer: the client learns what is missing.
        self.message = gettext(SECOND_FACTOR_NEEDED)
        self.code = "second_factor_needed"
        return False
