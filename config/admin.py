"""The admin site: the moderators' workplace. Queue pages show how many comments
wait in them, and the statistics page sits beside them."""

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.urls import path, reverse

QUEUE_MODELS = {
    "HeldComment": "held",
    "ReportedComment": "reported",
    "StuckComment": "pending",
    "RejectedComment": "rejected",
}


class StammtischAdminSite(AdminSite):
    site_header = "Stammtisch"
    site_title = "Stammtisch moderation"
    index_title = "Moderation"

    def get_urls(self) -> list[Any]:
        from moderation.admin import statistics_view

        return [
            path("moderation/statistics/", self.admin_view(statistics_view), name="moderation_statistics"),
            *super().get_urls(),
        ]

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        from moderation.selectors import queue_counts

        apps = super().get_app_list(request, app_label)
        for app in apps:
            if app["app_label"] != "moderation":
                continue
            counts = queue_counts()
            for model in app["models"]:
                queue = QUEUE_MODELS.get(model["object_name"])
                if queue:
                    model["name"] = f"{model['name']} ({counts[queue]})"
            # Queues first, in the order a moderator works them.
            app["models"].sort(
                key=lambda m: (
                    m["object_name"] not in QUEUE_MODELS,
                    list(QUEUE_MODELS).index(m["object_name"]) if m["object_name"] in QUEUE_MODELS else 0,
                    m["name"],
                )
            )
            if request.user.has_perm("moderation.view_auditentry"):
                app["models"].insert(
                    len(QUEUE_MODELS),
                    {
                        "name": "Statistics",
                        "object_name": "Statistics",
                        "view_only": True,
                        "add_url": None,
                        "admin_url": reverse("admin:moderation_statistics"),
                        "perms": {"add": False, "change": False, "delete": False, "view": True},
                    },
                )
        return apps


class StammtischAdminConfig(AdminConfig):
    default_site = "config.admin.StammtischAdminSite"
