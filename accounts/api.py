"""The readers' account API: registering, signing in and out with an API token, and
the account itself. Views are thin: validate input, call one service or selector,
shape the output."""

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ReaderProfile
from accounts.selectors import reader_badges, reader_profile_find
from accounts.services import (
    DISPLAY_NAME_MAX_LENGTH,
    SecondFactorRefused,
    account_erase,
    display_name_set,
    reader_preferences_set,
    user_register,
    user_token_issue,
    user_tokens_revoke,
)
from accounts.sso import sso_sign_in
from web.api_errors import (
    FORBIDDEN,
    NOT_AUTHENTICATED,
    RETRY_AFTER,
    THROTTLED,
    TOO_LARGE,
    UNSUPPORTED,
    ErrorOutput,
    ThrottledOutput,
    field_errors,
    validated,
)
from web.errors import InvalidInput
from web.requests import AuthenticatedRequest
from web.schema import DeleteWithBodySchema
from web.security import lockout_response

# --- Output shapes --------------------------------------------------------


class ReaderOutput(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(allow_blank=True)
    banned = serializers.BooleanField()
    suspended_until = serializers.DateTimeField(allow_null=True)
    badges = serializers.ListField(
        child=serializers.CharField(),
        help_text="Given by the publisher (SSO): its role STAFF, MODERATOR or ADMIN, then its badges.",
    )
    language = serializers.CharField(
        allow_blank=True, help_text="The language of your mails; empty: the site's."
    )
    author_notifications = serializers.BooleanField(
        help_text="Whether you get mails about your own comments, where the site sends them."
    )


class MeOutput(ReaderOutput):
    moderator = serializers.BooleanField(
        help_text="Staff with the moderation permission: the widget offers them the moderation API's "
        "actions in the thread (which may still ask for a sign-in with the second factor)."
    )
    admin_url = serializers.URLField(
        allow_null=True,
        help_text="For moderators, the admin's address (comments at "
        "`{admin_url}discussion/comment/{id}/change/`); null otherwise.",
    )
    netiquette_url = serializers.URLField(help_text="The site's discussion rules.")


# --- Inputs ---------------------------------------------------------------


DISPLAY_NAME_RULES = (
    "Unique among display names and usernames, ignoring case, width and compatibility "
    "forms (Unicode NFKC); invisible and text-direction characters are refused, and so "
    "are names that mix look-alike scripts or are reserved for the site."
)


class RegisterInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    display_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=f"Shown as author; else the username. {DISPLAY_NAME_RULES}",
    )
    consent = serializers.BooleanField(
        help_text="true: the reader agrees to the discussion rules (NETIQUETTE_URL) and the privacy "
        "notice (PRIVACY_URL); required, recorded with the account."
    )


class MeUpdateInput(serializers.Serializer):
    display_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=f"Shown as author; empty: the username. {DISPLAY_NAME_RULES}",
    )
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=8,
        help_text="The language of the mails you get: one of the site's (de, en); empty: the site's.",
    )
    author_notifications = serializers.BooleanField(
        required=False,
        help_text="Mails about your own comments (published after waiting, rejected, replied to), "
        "where the site sends them.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(
                {"display_name": [gettext("Give display_name, language or author_notifications.")]}
            )
        return attrs


class MeDeleteInput(serializers.Serializer):
    password = serializers.CharField(
        required=False,
        max_length=128,
        trim_whitespace=False,
        help_text="Your password, to confirm; needed for every account that has one. "
        "A wrong one counts as a failed login.",
    )


# --- Views ----------------------------------------------------------------


def _reader(user: Any, profile: ReaderProfile | None) -> dict[str, Any]:
    return {
        "username": user.get_username(),
        "display_name": profile.display_name if profile else "",
        "banned": bool(profile and profile.banned),
        "suspended_until": profile.suspended_until if profile else None,
        "badges": reader_badges(user=user),
        "language": profile.language if profile else "",
        "author_notifications": profile.author_notifications if profile else True,
    }


# Moderation's permission (moderation.permissions.MODERATE), named here as a string:
# accounts sits below moderation and imports nothing from it.
MODERATE_PERMISSION = "moderation.moderate_comment"


def _me(request: Request, profile: ReaderProfile | None) -> dict[str, Any]:
    """The account as its owner reads it: the reader, and what the widget needs to
    know about the site (its rules) and about a moderator's powers."""
    user = request.user
    moderator = bool(user.is_staff and user.has_perm(MODERATE_PERMISSION))
    return {
        **_reader(user, profile),
        "moderator": moderator,
        "admin_url": request.build_absolute_uri(reverse("admin:index")) if moderator else None,
        "netiquette_url": request.build_absolute_uri(settings.NETIQUETTE_URL),
    }


class MeApi(APIView):
    permission_classes = [IsAuthenticated]
    # DELETE takes the password that confirms it.
    schema = DeleteWithBodySchema()
    # A refused display name says that some account has it (as its username, too):
    # counted, so that nobody tries a dictionary of names through it.
    throttle_scopes = {"PATCH": "display_name"}

    @extend_schema(
        operation_id="me_read", summary="Your account", responses={200: MeOutput, 401: NOT_AUTHENTICATED}
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(_me(request, reader_profile_find(user=request.user)))

    @extend_schema(
        operation_id="me_update",
        summary="Change your display name, your mails' language or whether you get them",
        parameters=[RETRY_AFTER],
        request=MeUpdateInput,
        responses={
            200: MeOutput,
            400: field_errors("MeUpdateErrors", ["display_name", "language", "author_notifications"]),
            401: NOT_AUTHENTICATED,
            403: FORBIDDEN,
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def patch(self, request: AuthenticatedRequest) -> Response:
        data = validated(MeUpdateInput, request.data)
        if "display_name" in data:
            display_name_set(user=request.user, display_name=data["display_name"])
        profile = reader_preferences_set(
            user=request.user,
            language=data.get("language"),
            author_notifications=data.get("author_notifications"),
        )
        return Response(_me(request, profile))

    @extend_schema(
        operation_id="me_delete",
        summary="Delete your account (GDPR Art. 17)",
        description="Your comments' texts and earlier texts, your likes and your account's name, "
        "email and display name are erased; your comments are removed (with "
        "`ACCOUNT_DELETION_COMMENTS=placeholder` those that were published keep their place in "
        "their threads as placeholders), replies to them stay. Your reports stay for the "
        "moderators, from nobody. The decisions about your comments and your account stay in "
        "the audit log under a pseudonym. Your token stops working and your session ends; your "
        "username and display name are free again. Cannot be undone.",
        parameters=[RETRY_AFTER],
        request=MeDeleteInput,
        responses={
            204: None,
            400: field_errors("MeDeleteErrors", ["password"]),
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(
                ErrorOutput,
                description="A staff account (code `staff_account`): an administrator removes it. "
                "Or a session without the CSRF token.",
            ),
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: OpenApiResponse(
                ThrottledOutput,
                description="Too many failed logins for this account from here (code `locked_out`), "
                "as at sign-in; wrong passwords given here count too.",
            ),
        },
    )
    def delete(self, request: AuthenticatedRequest) -> HttpResponse:
        data = validated(MeDeleteInput, request.data)
        try:
            account_erase(user=request.user, password=data.get("password", ""), request=request._request)
        except InvalidInput:
            # The login guard marks the request when this account is locked out from here.
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise
        # The account's sessions end with it (see account_anonymize); this one now.
        if isinstance(request.successful_authenticator, SessionAuthentication):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TermsOutput(serializers.Serializer):
    netiquette_url = serializers.CharField(
        help_text="The discussion rules a reader agrees to (NETIQUETTE_URL)."
    )
    privacy_url = serializers.CharField(help_text="The privacy notice a reader agrees to (PRIVACY_URL).")


class RegisterApi(APIView):
    throttle_scopes = {"POST": "register"}

    @extend_schema(
        operation_id="auth_register_terms",
        summary="What a reader agrees to by registering",
        description="The addresses of the discussion rules and the privacy notice, for the registration "
        "form's consent box. Relative addresses are the publisher's pages.",
        responses={200: TermsOutput},
    )
    def get(self, request: Request) -> Response:
        return Response({"netiquette_url": settings.NETIQUETTE_URL, "privacy_url": settings.PRIVACY_URL})

    @extend_schema(
        operation_id="auth_register",
        parameters=[RETRY_AFTER],
        summary="Create a reader account",
        request=RegisterInput,
        responses={
            201: inline_serializer(
                "Registered", {"username": serializers.CharField(), "token": serializers.CharField()}
            ),
            400: field_errors("RegisterErrors", ["username", "password", "email", "display_name", "consent"]),
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(RegisterInput, request.data)
        # The language the reader registers in (the widget's, or Accept-Language).
        user, token = user_register(**data, language=translation.get_language() or "")
        return Response({"username": user.get_username(), "token": token}, status=status.HTTP_201_CREATED)


class TokenInput(AuthTokenSerializer):
    # Bounded before anything looks them up or records a failed login with them.
    username = serializers.CharField(max_length=150, label="Username", write_only=True)
    password = serializers.CharField(
        max_length=128,
        label="Password",
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
    )
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        label="Code",
        write_only=True,
        help_text="The current code of the account's authenticator app; needed once the account has one.",
    )


class TokenApi(APIView):
    """Exchange username and password (and the authenticator's code, for an account
    that has one) for the API token (``Authorization: Token …``), and sign out by
    deleting it."""

    throttle_scopes = {"POST": "login"}

    def get_permissions(self) -> list[BasePermission]:
        # Anyone may sign in; signing out needs someone signed in (401 otherwise).
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        operation_id="auth_token",
        parameters=[RETRY_AFTER],
        summary="Get your API token",
        request=TokenInput,
        responses={
            200: inline_serializer("TokenOutput", {"token": serializers.CharField()}),
            400: field_errors("TokenErrors", ["username", "password", "otp"]),
            403: OpenApiResponse(
                ErrorOutput, description="Staff without an authenticator app, where staff need one."
            ),
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
        },
    )
    def post(self, request: Request) -> HttpResponse:
        serializer = TokenInput(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        # The login guard marks the request when this account is locked out from here.
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request)
        if not valid:
            raise serializers.ValidationError(serializer.errors)
        data = serializer.validated_data
        try:
            key = user_token_issue(user=data["user"], otp=data.get("otp", ""))
        except SecondFactorRefused:
            # Counted as a wrong password is, so that codes cannot be guessed either.
            user_login_failed.send(
                sender=__name__, credentials={"username": data["username"]}, request=request
            )
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise
        return Response({"token": key})

    @extend_schema(
        operation_id="auth_sign_out",
        summary="Sign out: your API token stops working, and your session ends",
        responses={
            204: None,
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(ErrorOutput, description="A session without the CSRF token."),
        },
    )
    def delete(self, request: AuthenticatedRequest) -> Response:
        user_tokens_revoke(user=request.user)
        # The session is the request's, not the account's: it ends here, with the answer.
        if isinstance(request.successful_authenticator, SessionAuthentication):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Sign-in with the publisher's accounts (SSO) ------------------------------


SSO_TOKEN_MAX_LENGTH = 8192


class SsoInput(serializers.Serializer):
    token = serializers.CharField(
        max_length=SSO_TOKEN_MAX_LENGTH,
        help_text="The JWT the publisher's page made for the reader (Coral's claims; see docs/sso.md).",
    )


class SsoRefusedOutput(ErrorOutput):
    claim = serializers.CharField(
        required=False,
        help_text="The claim at fault, e.g. `user.email` (codes `missing_claim`, `invalid_claim`).",
    )


class SsoUnavailableOutput(ErrorOutput):
    reason = serializers.CharField(required=False, help_text="Why the key set could not be fetched.")


SSO_REFUSALS = (
    "`malformed_token`, `unsigned_token` (alg none), `unsupported_algorithm`, `unknown_key` (no active "
    "secret with the kid, nor a key in the JWKS), `bad_signature`, `token_expired`, `token_not_yet_valid`, "
    "`lifetime_too_long`, `wrong_audience`, `wrong_issuer`, `missing_claim` and `invalid_claim` (with "
    "`claim`), `token_replayed` (its jti signed in before), `token_revoked` (signed out), `account_inactive`."
)


class SsoApi(APIView):
    """Exchange the publisher's token for the reader's API token."""

    throttle_scopes = {"POST": "sso"}

    @extend_schema(
        operation_id="auth_sso",
        parameters=[RETRY_AFTER],
        summary="Sign in with the publisher's account (SSO)",
        description="The token is a JWT in Coral's shape, signed HS256 with one of the site's secrets or "
        "RS256/ES256 with a key of the publisher's JWKS. The first sign-in makes the reader; a token with a "
        "newer `iat` updates email, display name, role and badges. The answer is the API token, as from "
        "/api/auth/token/; signing out there revokes the JWT's `jti` too.",
        request=SsoInput,
        responses={
            200: inline_serializer("SsoOutput", {"token": serializers.CharField()}),
            400: field_errors("SsoErrors", ["token"]),
            401: OpenApiResponse(
                SsoRefusedOutput, description=f"The token signs nobody in; `code` says why: {SSO_REFUSALS}"
            ),
            409: OpenApiResponse(
                ErrorOutput,
                description="Another of the publisher's accounts signed in with this email "
                "(code `duplicate_user`).",
            ),
            413: TOO_LARGE,
            415: UNSUPPORTED,
            429: THROTTLED,
            503: OpenApiResponse(
                SsoUnavailableOutput,
                description="The publisher's key set (JWKS) cannot be fetched (code `jwks_unavailable`).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(SsoInput, request.data)
        _, key = sso_sign_in(token=data["token"])
        return Response({"token": key})
