"""The notifier's page: a notice's state and outcome, and the appeal against a
refusal, for whoever holds the notice's secret (the link in the receipt). A page, not
only the API, because a notifier may have no account and no widget at hand."""

from uuid import UUID

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from moderation.dsa.appeals import appeal_by_notifier
from moderation.dsa.grounds import legal_ground
from moderation.dsa.notices import notice_appealable_until, notice_find
from web.errors import DomainError, NotFound


class NoticeAppealForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Why should the decision be changed?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


@never_cache
def notice_page(request: HttpRequest, reference: UUID) -> HttpResponse:
    token = request.POST.get("token", "") if request.method == "POST" else request.GET.get("token", "")
    try:
        notice = notice_find(reference=reference, token=token)
    except NotFound:
        raise Http404("No such notice.") from None
    form = NoticeAppealForm(initial={"token": token})
    appealed = False
    if request.method == "POST":
        form = NoticeAppealForm(request.POST)
        if form.is_valid():
            try:
                appeal_by_notifier(notice=notice, text=form.cleaned_data["text"], language=notice.language)
                appealed = True
            except DomainError as error:
                form.add_error("text", error.message)
    appeal = notice.appeals.order_by("-created_at", "-id").first()
    # In the language the notifier wrote the notice in, as their mails are.
    with translation.override(notice.language):
        return render(
            request,
            "moderation/dsa/notice_page.html",
            {
                "notice": notice,
                "ground": legal_ground(notice.legal_ground).label,
                "appeal": appeal,
                "appealed": appealed,
                "appealable_until": None if appeal is not None else notice_appealable_until(notice),
                "form": form,
                "out_of_court_url": settings.DSA_OUT_OF_COURT_URL,
            },
        )
