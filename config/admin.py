"""The admin site: the moderators' workplace. Apps add pages that are not a model's
(moderation's statistics) and adjust their entries on the index (moderation's queue
counts) from their own admin modules."""

import base64
import io
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm

from accounts.selectors import user_authenticators
from accounts.services import staff_totp_confirm, staff_totp_enrol
from web.errors import InvalidInput
from web.requests import AuthenticatedHttpRequest
from web.throttling import ip_throttle_wait


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Password, then the code of the account's authenticator app: always when
    OTP_REQUIRED_FOR_STAFF is on, otherwise once the account has set one up."""

    def clean(self) -> dict[str, Any]:
        self.cleaned_data = AdminAuthenticationForm.clean(self)
        user = self.get_user()
        if user is not None and (settings.OTP_REQUIRED_FOR_STAFF or user_has_device(user)):
            self.clean_otp(user)
        return self.cleaned_data

    def _chosen_device(self, user: Any) -> Any:
        # With a single authenticator there is nothing to choose: use it.
        device = super()._chosen_device(user)
        if device is None:
            devices = list(user_authenticators(user=user))
            device = devices[0] if len(devices) == 1 else None
        return device


class TokenForm(forms.Form):
    token = forms.CharField(max_length=8, label=_("Code from the authenticator app"))


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


class StammtischAdminSite(AdminSite):
    site_header = "Stammtisch"
    site_title = _("Stammtisch moderation")
    index_title = _("Moderation")
    login_form = StaffLoginForm
    login_template = "otp/admin111/login.html"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self._pages: list[URLPattern] = []
        self._index_entries: dict[str, Callable[[HttpRequest, dict[str, Any]], None]] = {}

    def register_page(self, route: str, view: Callable[..., HttpResponse], *, name: str) -> None:
        """Serve ``view`` at ``route`` below the admin, to staff only (``admin_view``),
        as ``admin:<name>``."""
        self._pages.append(path(route, self.admin_view(view), name=name))

    def register_index_entries(
        self, app_label: str, adjust: Callable[[HttpRequest, dict[str, Any]], None]
    ) -> None:
        """``adjust(request, app)`` changes the app's entry of the index and sidebar
        in place (names, order, extra links) each time they are built."""
        self._index_entries[app_label] = adjust

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # Axes stops guessing one account's password; this stops one address from
        # trying many accounts. Same rate and counter as the API's token endpoint.
        wait = ip_throttle_wait(request, "login") if request.method == "POST" else None
        if wait is None:
            return super().login(request, extra_context)
        message = ngettext(
            "Too many login attempts from your address. Try again in %(wait)d second.",
            "Too many login attempts from your address. Try again in %(wait)d seconds.",
            wait,
        ) % {"wait": wait}
        response = TemplateResponse(
            request, "admin/locked_out.html", {**self.each_context(request), "message": message}, status=429
        )
        response["Retry-After"] = str(wait)
        return response

    def has_permission(self, request: HttpRequest) -> bool:
        verified = not settings.OTP_REQUIRED_FOR_STAFF or request.user.is_verified()  # type: ignore[union-attr]  # django-otp's OTPMiddleware adds it
        return super().has_permission(request) and verified

    def get_urls(self) -> list[Any]:
        return [
            *self._pages,
            path("two-factor/", self.admin_view(self.two_factor_view), name="two_factor"),
            *super().get_urls(),
        ]

    def two_factor_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """Set up the authenticator app for one's own account: scan, confirm with a code."""
        user = request.user
        context = {
            **self.each_context(request),
            "title": gettext("Two-factor login"),
            "enabled": user_has_device(user),
        }
        if context["enabled"]:
            return TemplateResponse(request, "admin/two_factor.html", context)
        device = staff_totp_enrol(user=user)
        form = TokenForm(request.POST or None)
        if form.is_valid():
            try:
                staff_totp_confirm(device=device, code=form.cleaned_data["token"])
            except InvalidInput as exc:
                form.add_error("token", exc.message)
            else:
                otp_login(request, device)
                return HttpResponseRedirect(reverse("admin:two_factor"))
        context.update(
            form=form, qr=_qr_data_uri(device.config_url), secret=base64.b32encode(device.bin_key).decode()
        )
        return TemplateResponse(request, "admin/two_factor.html", context)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        for app in apps:
            adjust = self._index_entries.get(app["app_label"])
            if adjust is not None:
                adjust(request, app)
        return apps
