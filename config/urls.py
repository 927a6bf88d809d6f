from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from moderation.dsa.pages import notice_page
from moderation.notifications.unsubscribe import unsubscribe_page
from monitoring.health import HealthApi
from monitoring.metrics import metrics_view
from web.favicon import favicon

urlpatterns = [
    # Before the admin's own URLs, which would take any path below them.
    path(f"{settings.ADMIN_PATH}moderation/reports/", include("moderation.modelops.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
    path("api/", include("articles.urls")),
    path("api/", include("accounts.urls")),
    path("api/", include("discussion.urls")),
    path("api/", include("moderation.urls")),
    path("api/health/", HealthApi.as_view(), name="health"),
    # Google Perspective's paths, for clients that only change their base URL.
    path("v1alpha1/", include("moderation.perspective.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page and its script apart, so that the page holds no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    # Django's set_language: the admin's language switch posts here.
    path("i18n/", include("django.conf.urls.i18n")),
    path("notices/<uuid:reference>/", notice_page, name="notice-page"),
    path("notifications/unsubscribe/<str:token>/", unsubscribe_page, name="author-notifications-unsubscribe"),
    path("", include("articles.page_urls")),
]

handler400 = "web.errors.bad_request"
handler404 = "web.errors.not_found"
handler500 = "web.errors.server_error"
