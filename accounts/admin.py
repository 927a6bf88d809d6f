from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ReaderProfile, SsoIdentity, SsoSecret
from accounts.sso import sso_secret_generate, sso_secret_valid


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "banned", "suspended_until", "deleted_at"]
    list_filter = ["banned", ("deleted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "display_name"]
    # Restrictions are set through accounts.services (reader_ban, reader_suspend, …).
    readonly_fields = [
        "user",
        "suspended_until",
        "suspension_reason",
        "banned",
        "ban_reason",
        "deleted_at",
        "consented_at",
        "consent_source",
        "consent_netiquette_url",
        "consent_privacy_url",
        "language",
        "author_notifications",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class SsoSecretAddForm(forms.ModelForm):
    """Adding a secret: made here, or one the publisher already signs with (moving
    from Coral, whose secrets have the same form)."""

    existing = forms.CharField(
        label=_("Existing secret"),
        required=False,
        max_length=128,
        strip=True,
        help_text=_(
            "Leave empty to make a new secret. To keep the one the site signs with now "
            "(from Coral), paste it here: ssosec_ and at least 32 hex digits."
        ),
    )

    class Meta:
        model = SsoSecret
        fields = ("kid", "is_active", "expires_at")

    def clean_existing(self) -> str:
        value: str = self.cleaned_data["existing"]
        if value and not sso_secret_valid(value):
            raise forms.ValidationError(_("A secret is ssosec_ followed by at least 32 hex digits."))
        if value and SsoSecret.objects.filter(secret=value).exists():
            raise forms.ValidationError(_("This secret is already here."))
        return value


@admin.register(SsoSecret)
class SsoSecretAdmin(admin.ModelAdmin):
    """The secrets of the sign-in with the publisher's accounts: made here (the
    secret is shown once, in the message after saving), switched off with an action
    or an expiry while the publisher rotates to a new one."""

    list_display = ("kid", "secret_start", "is_active", "expires_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("kid",)
    fields = ("kid", "is_active", "expires_at")
    readonly_fields = ("secret_start", "created_at")
    actions = ("deactivate",)

    def get_fields(self, request: HttpRequest, obj: SsoSecret | None = None) -> tuple[str, ...]:
        return (*self.fields, "existing") if obj is None else (*self.fields, *self.readonly_fields)

    def get_form(
        self, request: HttpRequest, obj: SsoSecret | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm]:
        if obj is None:
            kwargs["form"] = SsoSecretAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: SsoSecret | None = None) -> tuple[str, ...]:
        # The kid names the secret in the publisher's tokens: a new kid is a new secret.
        return self.readonly_fields if obj is None else ("kid", *self.readonly_fields)

    @admin.display(description=_("secret"))
    def secret_start(self, obj: SsoSecret) -> str:
        return f"{obj.secret[:11]}…" if obj.secret else ""

    def save_model(self, request: HttpRequest, obj: SsoSecret, form: ModelForm, change: bool) -> None:
        existing = form.cleaned_data.get("existing", "") if not change else ""
        if not change:
            obj.secret = existing or sso_secret_generate()
        super().save_model(request, obj, form, change)
        if not change and not existing:
            messages.warning(
                request,
                gettext(
                    "The secret for %(kid)s is %(secret)s — copy it now into the publisher's settings: "
                    "it is not shown again."
                )
                % {"kid": obj.kid, "secret": obj.secret},
            )

    @admin.action(description=_("Switch the selected secrets off"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[SsoSecret]) -> None:
        count = queryset.update(is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d secret switched off.", "%(count)d secrets switched off.", count)
            % {"count": count},
        )


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    """The publisher's accounts readers signed in with: what the last token said."""

    list_display = ("subject", "user", "username", "email", "role", "last_issued_at")
    list_filter = ("role",)
    list_select_related = ("user",)
    search_fields = ("subject", "email", "username", "user__username")
    readonly_fields = (
        "user",
        "subject",
        "email",
        "username",
        "role",
        "badges",
        "last_issued_at",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SsoIdentity | None = None) -> bool:
        return False
