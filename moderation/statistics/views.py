"""The statistics page of the admin: figures and charts over a period, and the
thresholds for the site's estimated mix of offensive comments."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from moderation.models import SettingsAuditEntry
from moderation.services import site_thresholds_for_mix_set
from moderation.statistics.stats import SITE_MIX_MIN_COMMENTS, statistics_page_context
from web.requests import AuthenticatedHttpRequest


class PeriodForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=2**31 - 1)


def _days(data: QueryDict) -> int:
    """The period asked for: at most a year, 30 days when none (or nonsense) is asked for."""
    form = PeriodForm(data)
    return min(form.cleaned_data["days"], 365) if form.is_valid() else 30


def statistics_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Wrapped by ``admin_view`` where the admin site serves it, so only staff reach it."""
    if not request.user.has_perm("moderation.view_auditentry"):
        raise PermissionDenied
    days = _days(request.POST if request.method == "POST" else request.GET)
    since = timezone.now() - timedelta(days=days)
    can_change_policy = request.user.has_perm("moderation.change_sitepolicy")
    if request.method == "POST" and request.POST.get("action") == "use_site_mix":
        if not can_change_policy:
            raise PermissionDenied
        _use_site_mix_thresholds(request, since)
        return HttpResponseRedirect(f"{request.path}?days={days}#site-mix")
    context = {
        **admin.site.each_context(request),
        "title": gettext("Moderation statistics"),
        "can_change_policy": can_change_policy,
        "site_mix_min_comments": SITE_MIX_MIN_COMMENTS,
        **statistics_page_context(since=since, days=days),
    }
    return TemplateResponse(request, "admin/moderation/statistics.html", context)


def _use_site_mix_thresholds(request: AuthenticatedHttpRequest, since: datetime) -> None:
    changed = site_thresholds_for_mix_set(
        since=since, source=SettingsAuditEntry.Source.ADMIN, user=request.user
    )
    if changed is None:
        messages.error(
            request, gettext("Too few scored comments to estimate the site's mix; nothing changed.")
        )
        return
    policy, mix = changed
    change = gettext(
        "Thresholds for %(prevalence)s %% offensive comments (estimated %(estimate)s %% from %(n)d scored "
        "comments): publish below %(publish)s, reject from %(reject)s."
    ) % {
        "prevalence": number_format(mix["recommended"]["prevalence"] * 100, 0),
        "estimate": number_format(mix["estimate"] * 100, 1),
        "n": mix["n"],
        "publish": number_format(policy.publish_below) if policy.publish_below is not None else "–",
        "reject": number_format(policy.reject_above) if policy.reject_above is not None else "–",
    }
    messages.success(request, change)
