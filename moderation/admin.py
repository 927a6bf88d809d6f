from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from moderation.evaluation import model_reports
from moderation.models import AuditEntry, ModelVersion
from moderation.registry import model_activate
from moderation.tasks import retrain_model


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "created_at", "is_active", "size_bytes", "germeval_f1", "thresholds", "report"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["activate", "retrain_from_decisions"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="CV average F")
    def germeval_f1(self, obj: ModelVersion) -> object:
        return (obj.metrics or {}).get("cross_validated", {}).get("germeval_f1", "–")

    @admin.display(description="recommended thresholds")
    def thresholds(self, obj: ModelVersion) -> str:
        recommended = (obj.metrics or {}).get("thresholds")
        if not recommended:
            return "–"
        return f"publish < {recommended['publish_below']}, reject ≥ {recommended['reject_above']}"

    @admin.display(description="latest report")
    def report(self, obj: ModelVersion) -> str:
        reports = model_reports(obj)
        if not reports:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("model-report", args=[reports[0]]), "report")

    @admin.action(description="Activate the selected model version")
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model version.", messages.ERROR)
            return
        row = model_activate(version=queryset.get().version)
        self.message_user(request, f"{row.version} is now active; workers load it with their next comment.")

    @admin.action(description="Retrain from moderators' decisions (challenger vs. active model)")
    def retrain_from_decisions(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        retrain_model.delay()
        self.message_user(
            request,
            "Retraining requested; the challenger appears here with the reason it was or was not promoted.",
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "comment",
        "actor",
        "from_status",
        "to_status",
        "score",
        "explanation",
        "model_version",
        "moderator",
    ]
    list_filter = ["actor", "to_status"]
    list_select_related = ["comment", "model_version", "moderator"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="words that raised the score")
    def explanation(self, obj: AuditEntry) -> str:
        """The model's explanation and its likeliest fine label, as plain (escaped) text."""
        words = ", ".join(
            f"{item['feature']} (+{item['weight']:.2f})"
            for item in (obj.details or {}).get("explanation", [])[:4]
        )
        fine = (obj.details or {}).get("fine_scores") or {}
        if fine:
            label = max(fine, key=fine.get)
            words = f"{words} · {label} {fine[label]:.2f}" if words else f"{label} {fine[label]:.2f}"
        return words or "–"

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
