"""Misuse (DSA Art. 23) in the admin: the readers and notifiers who reached the
site's threshold, with a warning and then a suspension for each through
moderation.dsa.misuse; the log of those steps, read-only; and the policy text for
the Netiquette, made from the live settings."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from moderation.admin.audit import ReadOnlyAdmin
from moderation.dsa.misuse import misuse_candidates, misuse_policy_text, misuse_suspend, misuse_warn
from moderation.models import MisuseStep
from moderation.permissions import MODERATE
from moderation.policy.rules import site_policy
from web.errors import DomainError
from web.requests import AuthenticatedHttpRequest

WARN, SUSPEND = "warn", "suspend"


class MisuseStepForm(forms.Form):
    step = forms.ChoiceField(choices=[(WARN, "warn"), (SUSPEND, "suspend")])
    subject = forms.ChoiceField(choices=MisuseStep.Subject.choices)
    reader = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    email = forms.EmailField(required=False)
    reason = forms.CharField(
        max_length=255, error_messages={"required": "Say why; the person is told in the mail."}
    )


def _take(request: AuthenticatedHttpRequest, form: MisuseStepForm) -> None:
    data = form.cleaned_data
    reader = User.objects.filter(pk=data["reader"]).first() if data["reader"] else None
    if data["subject"] == MisuseStep.Subject.CONTENT and reader is None:
        messages.error(request, "No such reader.")
        return
    take = misuse_warn if data["step"] == WARN else misuse_suspend
    try:
        step, mailed = take(
            subject=data["subject"],
            moderator=request.user,
            reason=data["reason"],
            reader=reader,
            email=data["email"] or "",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return
    who = reader.get_username() if reader is not None else step.notifier_email
    done = f"{step.get_kind_display().capitalize()} for {who}"
    if step.until is not None:
        done += f" until {step.until:%Y-%m-%d %H:%M}"
    if mailed:
        messages.success(request, f"{done}; told by mail.")
    else:
        messages.warning(request, f"{done}; the mail could not be sent (no address, or the server refused).")


def misuse_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Wrapped by ``admin_view`` where the admin site serves it, so only staff reach
    it; of staff, those who may moderate."""
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    if request.method == "POST":
        form = MisuseStepForm(request.POST)
        if form.is_valid():
            _take(request, form)
        else:
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(str(error) for error in errors)}")
        return HttpResponseRedirect(request.path)
    context = {
        **admin.site.each_context(request),
        "title": "Misuse (DSA Art. 23)",
        "policy": site_policy(),
        "candidates": misuse_candidates(),
        "policy_texts": [(name, misuse_policy_text(code)) for code, name in settings.LANGUAGES],
        "history_url": reverse("admin:moderation_misusestep_changelist"),
        "policy_url": reverse("admin:moderation_sitepolicy_changelist"),
    }
    return TemplateResponse(request, "admin/moderation/misuse.html", context)


@admin.register(MisuseStep)
class MisuseStepAdmin(ReadOnlyAdmin):
    """The log of warnings and suspensions for misuse; steps are taken on the misuse
    page, never here. Moderators read it as they read the other logs."""

    list_display = ["created_at", "kind", "subject", "who", "count", "until", "reason", "moderator"]
    list_filter = ["kind", "subject"]
    list_select_related = ["reader", "moderator"]
    search_fields = ["notifier_email", "reader__username"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(MODERATE) or super().has_view_permission(request, obj)

    @admin.display(description="reader or notifier")
    def who(self, obj: MisuseStep) -> str:
        if obj.subject == MisuseStep.Subject.CONTENT:
            return obj.reader.get_username() if obj.reader is not None else "(deleted account)"
        return obj.notifier_email
