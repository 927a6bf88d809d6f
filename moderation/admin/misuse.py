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
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from moderation.admin.audit import ReadOnlyAdmin
from moderation.dsa.misuse import misuse_candidates, misuse_policy_text, misuse_suspend, misuse_warn
from moderation.models import MisuseStep
from moderation.permissions import MODERATE
from moderation.policy.rules import site_policy
from web.errors import DomainError
from web.requests import AuthenticatedHttpRequest

WARN, SUSPEND = "warn", "suspend"


class MisuseStepForm(forms.Form):
    step = forms.ChoiceField(label=_("step"), choices=[(WARN, _("warn")), (SUSPEND, _("suspend"))])
    subject = forms.ChoiceField(label=_("subject"), choices=MisuseStep.Subject.choices)
    reader = forms.IntegerField(label=_("reader"), required=False, min_value=1, max_value=2**31 - 1)
    email = forms.EmailField(label=_("email"), required=False)
    reason = forms.CharField(
        label=_("reason"),
        max_length=255,
        error_messages={"required": _("Say why; the person is told in the mail.")},
    )


def _take(request: AuthenticatedHttpRequest, form: MisuseStepForm) -> None:
    data = form.cleaned_data
    reader = User.objects.filter(pk=data["reader"]).first() if data["reader"] else None
    if data["subject"] == MisuseStep.Subject.CONTENT and reader is None:
        messages.error(request, gettext("No such reader."))
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
    names = {
        "step": capfirst(step.get_kind_display()),
        "who": reader.get_username() if reader is not None else step.notifier_email,
        "until": f"{step.until:%Y-%m-%d %H:%M}" if step.until is not None else "",
    }
    if step.until is None:
        done = gettext("%(step)s for %(who)s") % names
    else:
        done = gettext("%(step)s for %(who)s until %(until)s") % names
    if mailed:
        messages.success(request, gettext("%(done)s; told by mail.") % {"done": done})
    else:
        messages.warning(
            request,
            gettext("%(done)s; the mail could not be sent (no address, or the server refused).")
            % {"done": done},
        )


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
                messages.error(request, f"{form[field].label}: {' '.join(str(error) for error in errors)}")
        return HttpResponseRedirect(request.path)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Misuse (DSA Art. 23)"),
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

    @admin.display(description=_("reader or notifier"))
    def who(self, obj: MisuseStep) -> str:
        if obj.subject == MisuseStep.Subject.CONTENT:
            return obj.reader.get_username() if obj.reader is not None else gettext("(deleted account)")
        return obj.notifier_email
