"""Webhook endpoints and their deliveries in the admin, for administrators (the
Moderators group has no permission here: the secrets sign in the site's name).

An endpoint's secret is shown once, in the message after it is made or rotated; its
URL is checked as deliveries check it (moderation.webhooks.addresses) when it is
saved. Deliveries are read-only, filtered by state, event and status code, and sent
again with an action."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from moderation.admin.audit import ReadOnlyAdmin
from moderation.models import WebhookDelivery, WebhookEndpoint
from moderation.webhooks.addresses import RefusedAddress, url_resolve
from moderation.webhooks.endpoints import (
    deliveries_redeliver,
    endpoint_secret_assign,
    endpoint_secret_rotate,
    endpoint_test_send,
)
from moderation.webhooks.events import EVENT_TYPES


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(event, event) for event in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The events this address is told of; none chosen means all."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "events", "is_enabled")

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            url_resolve(url)
        except RefusedAddress as exc:
            raise forms.ValidationError(str(exc)) from None
        return url


def _secret_message(request: HttpRequest, endpoint: WebhookEndpoint, secret: str) -> None:
    messages.warning(
        request,
        gettext("The signing secret for %(endpoint)s is %(secret)s — copy it now: it is not shown again.")
        % {"endpoint": endpoint, "secret": secret},
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "is_enabled", "disabled_reason", "created_at")
    list_filter = ("is_enabled",)
    search_fields = ("url", "description")
    readonly_fields = ("disabled_at", "disabled_reason", "previous_secret_expires_at", "created_at")
    actions = ("rotate_secret", "send_test_event")

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: ModelForm, change: bool) -> None:
        secret = None if change else endpoint_secret_assign(obj)
        if change and "is_enabled" in form.changed_data and obj.is_enabled:
            obj.disabled_at = None
            obj.disabled_reason = ""
        super().save_model(request, obj, form, change)
        if secret is not None:
            _secret_message(request, obj, secret)

    @admin.action(description=_("Rotate the signing secret (the old one signs on for a grace period)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            _secret_message(request, endpoint, endpoint_secret_rotate(endpoint_id=endpoint.pk))

    @admin.action(description=_("Send a test event"))
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        count = 0
        for endpoint in queryset:
            endpoint_test_send(endpoint=endpoint)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d test event sent.", "%(count)d test events sent.", count) % {"count": count},
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state", "event_type", "last_status_code", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("webhook_id", "last_error")
    fields = (
        "webhook_id",
        "endpoint",
        "event_type",
        "state",
        "attempts",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "payload",
    )
    readonly_fields = fields
    actions = ("redeliver",)

    @admin.action(description=_("Send again"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = deliveries_redeliver(queryset)
        self.message_user(
            request,
            ngettext("%(count)d delivery sent again.", "%(count)d deliveries sent again.", count)
            % {"count": count},
        )
