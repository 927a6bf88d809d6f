"""Readers: suspend, ban, lift or pre-moderate them, through moderation.decisions,
and the log of those restrictions."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ReaderProfile
from moderation.admin.audit import ReadOnlyAdmin
from moderation.decisions import ReaderAction, reader_moderate, reader_note_add
from moderation.dsa.misuse import reader_misuse_count
from moderation.models import ReaderAuditEntry, ReaderNote
from moderation.permissions import MODERATE
from web.errors import DomainError
from web.requests import AuthenticatedHttpRequest


class ReaderActionForm(forms.Form):
    # Not "action": the admin's own action field carries the name of this admin action.
    restriction = forms.ChoiceField(choices=ReaderAction.choices)
    until = forms.DateTimeField(required=False, help_text=_("End of a suspension (YYYY-MM-DD HH:MM)."))
    reason = forms.CharField(max_length=255, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("restriction") == ReaderAction.SUSPEND and not data.get("until"):
            self.add_error("until", _("A suspension needs an end date."))
        elif data.get("until") and data["until"] <= timezone.now():
            self.add_error("until", _("A suspension must end in the future."))
        if data.get("restriction") in (ReaderAction.SUSPEND, ReaderAction.BAN) and not data.get("reason"):
            self.add_error("reason", _("Say why; the reader sees it."))
        return data


admin.site.unregister(ReaderProfile)


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "banned", "suspended_until", "always_premoderated", "deleted_at"]
    # Deleted accounts stay, under a pseudonym, for the audit log (moderation.privacy.erasure).
    list_filter = ["banned", "always_premoderated", ("deleted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "display_name"]
    readonly_fields = [
        "user",
        "display_name",
        "suspended_until",
        "suspension_reason",
        "banned",
        "ban_reason",
        "always_premoderated",
        "manifestly_illegal",
        "deleted_at",
        "consented_at",
        "consent_source",
        "consent_netiquette_url",
        "consent_privacy_url",
        "language",
        "author_notifications",
        "updated_at",
        "moderator_notes",
    ]
    actions = ["restrict"]
    change_form_template = "admin/moderation/reader_change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("manifestly illegal comments (misuse window)"))
    def manifestly_illegal(self, obj: ReaderProfile) -> int:
        """Counted for misuse (DSA Art. 23) within the site policy's window."""
        return reader_misuse_count(reader_id=obj.user_id)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE)

    # --- moderators' notes about the reader -------------------------------

    @admin.display(description=_("moderators' notes"))
    def moderator_notes(self, obj: ReaderProfile) -> str:
        """Every note about the reader, newest first (moderators only: the reader sees
        them only in their data export)."""
        notes = ReaderNote.objects.filter(reader_id=obj.user_id).select_related("moderator")
        return render_to_string("admin/moderation/reader_notes.html", {"notes": notes})

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:profile_id>/note/",
                self.admin_site.admin_view(self.note_view),
                name="accounts_readerprofile_note",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {**(extra_context or {})}
        if request.user.has_perm(MODERATE) and object_id.isdigit():
            context["note_url"] = reverse("admin:accounts_readerprofile_note", args=[int(object_id)])
        return super().change_view(request, object_id, form_url, context)

    def note_view(self, request: AuthenticatedHttpRequest, profile_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(MODERATE):
            raise PermissionDenied
        profile = get_object_or_404(ReaderProfile.objects.select_related("user"), pk=profile_id)
        try:
            reader_note_add(reader=profile.user, moderator=request.user, text=request.POST.get("text", ""))
            self.message_user(request, gettext("Note saved."))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:accounts_readerprofile_change", args=[profile_id]))

    @admin.action(
        description=_("Suspend, ban, lift or pre-moderate selected readers…"), permissions=["moderate"]
    )
    def restrict(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[ReaderProfile]
    ) -> HttpResponse | None:
        form = ReaderActionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, refusals = 0, []
            for profile in queryset.select_related("user"):
                try:
                    reader_moderate(
                        reader=profile.user,
                        moderator=request.user,
                        action=form.cleaned_data["restriction"],
                        reason=form.cleaned_data["reason"],
                        until=form.cleaned_data["until"],
                    )
                    done += 1
                except DomainError as exc:
                    refusals.append(f"{profile.user.get_username()}: {exc.message}")
            self.message_user(request, f"{form.cleaned_data['restriction']}: {done} readers")
            for refusal in refusals:
                self.message_user(request, refusal, messages.ERROR)
            return None
        return TemplateResponse(
            request,
            "admin/moderation/reader_action.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "readers": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "title": gettext("Restrict readers"),
            },
        )


@admin.register(ReaderAuditEntry)
class ReaderAuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reader", "action", "until", "reason", "moderator"]
    list_filter = ["action"]
    list_select_related = ["reader", "moderator"]
