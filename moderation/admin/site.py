"""What moderation adds to the admin site beside its models: each queue with the
number of comments waiting in it, first on the index in the order a moderator works
them, the statistics page after them and the transparency report last."""

from typing import Any, cast

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext

from config.admin import StammtischAdminSite
from moderation.admin.misuse import misuse_view
from moderation.admin.transparency import transparency_csv_view, transparency_view
from moderation.dsa.notices import notices_open_count
from moderation.permissions import MODERATE
from moderation.selectors import queue_counts
from moderation.statistics.views import statistics_view

QUEUE_MODELS = {
    "HeldComment": "held",
    "ReportedComment": "reported",
    "StuckComment": "pending",
    "RejectedComment": "rejected",
}
# The notices of illegal content come right after the comment queues.
WORK_ORDER = [*QUEUE_MODELS, "Notice"]


def _index_entries(request: HttpRequest, app: dict[str, Any]) -> None:
    counts = queue_counts()
    for model in app["models"]:
        queue = QUEUE_MODELS.get(model["object_name"])
        if queue:
            model["name"] = f"{model['name']} ({counts[queue]})"
        elif model["object_name"] == "Notice":
            model["name"] = gettext("Notices of illegal content (%(count)s open)") % {
                "count": notices_open_count()
            }
    # Queues first, in the order a moderator works them.
    app["models"].sort(
        key=lambda m: (
            m["object_name"] not in WORK_ORDER,
            WORK_ORDER.index(m["object_name"]) if m["object_name"] in WORK_ORDER else 0,
            m["name"],
        )
    )
    if request.user.has_perm("moderation.view_auditentry"):
        app["models"].insert(
            sum(m["object_name"] in WORK_ORDER for m in app["models"]),
            {
                "name": gettext("Statistics"),
                "object_name": "Statistics",
                "view_only": True,
                "add_url": None,
                "admin_url": reverse("admin:moderation_statistics"),
                "perms": {"add": False, "change": False, "delete": False, "view": True},
            },
        )
    if request.user.has_perm(MODERATE):
        app["models"].insert(
            # After the statistics entry, where there is one.
            len(QUEUE_MODELS) + int(request.user.has_perm("moderation.view_auditentry")),
            {
                "name": gettext("Misuse (DSA Art. 23)"),
                "object_name": "Misuse",
                "view_only": True,
                "add_url": None,
                "admin_url": reverse("admin:moderation_misuse"),
                "perms": {"add": False, "change": False, "delete": False, "view": True},
            },
        )
        app["models"].append(
            {
                "name": gettext("Transparency report"),
                "object_name": "TransparencyReport",
                "view_only": True,
                "add_url": None,
                "admin_url": reverse("admin:moderation_transparency"),
                "perms": {"add": False, "change": False, "delete": False, "view": True},
            }
        )


# admin.site is the project's own site (config.apps names it the default).
site = cast(StammtischAdminSite, admin.site)
site.register_page("moderation/statistics/", statistics_view, name="moderation_statistics")
site.register_page("moderation/misuse/", misuse_view, name="moderation_misuse")
site.register_page("moderation/transparency/", transparency_view, name="moderation_transparency")
site.register_page("moderation/transparency/csv/", transparency_csv_view, name="moderation_transparency_csv")
site.register_index_entries("moderation", _index_entries)
