from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import HealthApi
from config.metrics import metrics_view
from moderation.views import model_report_file

urlpatterns = [
    path(
        f"{settings.ADMIN_PATH}moderation/reports/<str:folder>/",
        admin.site.admin_view(model_report_file),
        name="model-report",
    ),
    path(
        f"{settings.ADMIN_PATH}moderation/reports/<str:folder>/<str:name>",
        admin.site.admin_view(model_report_file),
        name="model-report-file",
    ),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("api/", include("articles.urls")),
    path("api/", include("accounts.urls")),
    path("api/", include("discussion.urls")),
    path("api/", include("moderation.urls")),
    path("api/health/", HealthApi.as_view(), name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page and its script apart, so that the page holds no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("", include("articles.page_urls")),
]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
