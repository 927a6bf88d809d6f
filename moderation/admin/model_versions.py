"""The model registry: each trained model version with its measures and report;
administrators activate one or ask for retraining."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from moderation.classifier.evaluate import reported_prevalences
from moderation.modelops.evaluation import model_reports
from moderation.modelops.registry import model_activate
from moderation.models import ModelVersion, SettingsAuditEntry
from moderation.tasks import retrain_model
from web.requests import AuthenticatedHttpRequest


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "created_at",
        "is_active",
        "size_bytes",
        "germeval_f1",
        "thresholds",
        "automatic",
        "report",
    ]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["activate", "retrain_from_decisions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Administrators activate and retrain through the actions; nobody edits a row.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="CV average F")
    def germeval_f1(self, obj: ModelVersion) -> object:
        return (obj.metrics or {}).get("cross_validated", {}).get("germeval_f1", "–")

    @admin.display(description="recommended thresholds")
    def thresholds(self, obj: ModelVersion) -> str:
        recommended = (obj.metrics or {}).get("thresholds")
        if not recommended:
            return "–"
        return f"publish < {recommended['publish_below']}, reject ≥ {recommended['reject_above']}"

    @admin.display(description="decided without a human")
    def automatic(self, obj: ModelVersion) -> str:
        """At the recommended thresholds on the training data's mix, then for sites
        with fewer offensive comments at thresholds chosen for them."""
        metrics = obj.metrics or {}
        recommended = metrics.get("thresholds")
        if not recommended:
            return "–"
        parts = [f"{recommended['automatic_share'] * 100:.0f} % of {recommended['dataset']}"]
        parts += [
            f"{site['automatic_share'] * 100:.0f} % where {site['prevalence'] * 100:.0f} % are offensive"
            for site in reported_prevalences(metrics)
        ]
        return "; ".join(parts)

    @admin.display(description="latest report")
    def report(self, obj: ModelVersion) -> str:
        reports = model_reports(obj)
        if not reports:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("model-report", args=[reports[0]]), "report")

    @admin.action(description="Activate the selected model version", permissions=["change"])
    def activate(self, request: AuthenticatedHttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model version.", messages.ERROR)
            return
        row = model_activate(
            version=queryset.get().version, source=SettingsAuditEntry.Source.ADMIN, user=request.user
        )
        self.message_user(request, f"{row.version} is now active; workers load it with their next comment.")

    @admin.action(
        description="Retrain from moderators' decisions (challenger vs. active model)", permissions=["change"]
    )
    def retrain_from_decisions(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        retrain_model.delay()
        self.message_user(
            request,
            "Retraining requested; the challenger appears here with the reason it was or was not promoted.",
        )
