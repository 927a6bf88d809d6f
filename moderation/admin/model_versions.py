"""The model registry: each trained model version with its measures and report;
administrators activate one or ask for retraining."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop, pgettext
from django.utils.translation import gettext_lazy as _

from moderation.modelops.evaluation import model_reports
from moderation.modelops.registry import model_activate
from moderation.models import ModelVersion, SettingsAuditEntry
from moderation.tasks import retrain_model
from web.formats import percent_number
from web.requests import AuthenticatedHttpRequest

# The trade-off tables' headers (moderation.classifier.report writes them in English
# for the terminal); the admin shows them in its language.
TRADEOFF_HEADERS = (
    gettext_noop("published without a human"),
    gettext_noop("publish below"),
    gettext_noop("offensive among published"),
    gettext_noop("moderators review the top"),
    gettext_noop("score from"),
    gettext_noop("offensive caught"),
    gettext_noop("offensive among reviewed"),
)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "version",
        "created_at",
        "is_active",
        "size",
        "germeval_f1",
        "thresholds",
        "automatic",
        "caught_in_top_10",
        "report",
    ]
    readonly_fields = [*(f.name for f in ModelVersion._meta.fields), "tradeoff"]
    actions = ["activate", "retrain_from_decisions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Administrators activate and retrain through the actions; nobody edits a row.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("size"), ordering="size_bytes")
    def size(self, obj: ModelVersion) -> str:
        return filesizeformat(obj.size_bytes)

    @admin.display(description=_("CV average F"))
    def germeval_f1(self, obj: ModelVersion) -> object:
        return (obj.metrics or {}).get("cross_validated", {}).get("germeval_f1", "–")

    @admin.display(description=_("recommended thresholds"))
    def thresholds(self, obj: ModelVersion) -> str:
        recommended = (obj.metrics or {}).get("thresholds")
        if not recommended:
            return "–"
        return gettext("publish < %(publish)s, reject ≥ %(reject)s") % {
            "publish": number_format(recommended["publish_below"]),
            "reject": number_format(recommended["reject_above"]),
        }

    @admin.display(description=_("decided without a human"))
    def automatic(self, obj: ModelVersion) -> str:
        """For sites with 5, 10 and 20 % offensive comments at thresholds chosen for
        each, the default mix marked; where the primary data has one class (no mix to
        weight), at the recommended thresholds on that data."""
        from moderation.classifier.evaluate import reported_prevalences  # scikit-learn: not at start-up

        metrics = obj.metrics or {}
        recommended = metrics.get("thresholds")
        if not recommended:
            return "–"
        parts = (
            []
            if "prevalence" in recommended
            else [
                gettext("%(share)s %% of %(dataset)s")
                % {"share": percent_number(recommended["automatic_share"]), "dataset": recommended["dataset"]}
            ]
        )
        parts += [
            gettext("%(share)s %% where %(prevalence)s %% are offensive")
            % {
                "share": percent_number(site["automatic_share"]),
                "prevalence": percent_number(site["prevalence"]),
            }
            + (gettext(" (default)") if site["prevalence"] == recommended.get("prevalence") else "")
            for site in reported_prevalences(metrics)
        ]
        return "; ".join(parts)

    @admin.display(description=_("the riskiest tenth holds"))
    def caught_in_top_10(self, obj: ModelVersion) -> str:
        """The share of offensive comments among the tenth scored highest: what
        moderators who review only those catch."""
        reviewed = (obj.metrics or {}).get("tradeoff", {}).get("reviewed", [])
        top = next((row for row in reviewed if row["share"] == 0.1), None)
        if top is None:
            return "–"
        return gettext("%(share)s %% of the offensive") % {"share": percent_number(top["offensive_caught"])}

    @admin.display(description=_("trade-off"))
    def tradeoff(self, obj: ModelVersion) -> SafeString | str:
        """The trade-off on the primary data's out-of-fold scores, for a site with the
        default share of offensive comments: what publishing more lets through, what
        reviewing the riskiest comments catches."""
        from moderation.classifier.report import tradeoff_tables  # matplotlib: not at start-up

        result = (obj.metrics or {}).get("tradeoff")
        if not result:
            return "–"
        tables = [
            format_html(
                "<table><tr>{}</tr>{}</table>",
                format_html_join("", "<th>{}</th>", ((gettext(cell),) for cell in header)),
                format_html_join(
                    "",
                    "<tr>{}</tr>",
                    ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
                ),
            )
            for header, rows in tradeoff_tables(result)
        ]
        return format_html(
            "<p>{}</p>{}",
            gettext("Where %(prevalence)s %% of the comments are offensive (%(dataset)s out of fold):")
            % {
                "prevalence": percent_number(result["prevalence"]),
                "dataset": (obj.metrics or {})
                .get("thresholds", {})
                .get("dataset", gettext("the primary data")),
            },
            format_html_join("", "{}", ((table,) for table in tables)),
        )

    @admin.display(description=_("latest report"))
    def report(self, obj: ModelVersion) -> str:
        reports = model_reports(obj)
        if not reports:
            return "–"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("model-report", args=[reports[0]]),
            pgettext("evaluation", "report"),
        )

    @admin.action(description=_("Activate the selected model version"), permissions=["change"])
    def activate(self, request: AuthenticatedHttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, gettext("Select exactly one model version."), messages.ERROR)
            return
        row = model_activate(
            version=queryset.get().version, source=SettingsAuditEntry.Source.ADMIN, user=request.user
        )
        self.message_user(
            request,
            gettext("%(version)s is now active; workers load it with their next comment.")
            % {"version": row.version},
        )

    @admin.action(
        description=_("Retrain from moderators' decisions (challenger vs. active model)"),
        permissions=["change"],
    )
    def retrain_from_decisions(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        retrain_model.delay()
        self.message_user(
            request,
            gettext(
                "Retraining requested; the challenger appears here with the reason it was or was not "
                "promoted."
            ),
        )
