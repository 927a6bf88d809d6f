from django.urls import include, path

from moderation.api import (
    AnalyzeApi,
    CommentAuthorApi,
    DecisionApi,
    FeatureApi,
    QueueApi,
    ReaderApi,
)
from moderation.dsa.appeal_api import MeDecisionAppealApi, MeDecisionsApi, NoticeAppealApi
from moderation.dsa.notice_api import NoticeDetailApi, NoticeGroundsApi, NoticesApi
from moderation.privacy.api import MeExportApi

urlpatterns = [
    path("moderation/queues/<str:queue>/", QueueApi.as_view(), name="moderation-queue"),
    path("moderation/comments/<int:comment_id>/decision/", DecisionApi.as_view(), name="moderation-decision"),
    path("moderation/comments/<int:comment_id>/feature/", FeatureApi.as_view(), name="moderation-feature"),
    path(
        "moderation/comments/<int:comment_id>/author/",
        CommentAuthorApi.as_view(),
        name="moderation-comment-author",
    ),
    # Coral Talk's external moderation phase (docs/coral.md).
    path("coral/", include("moderation.coral.urls")),
    path("moderation/analyze/", AnalyzeApi.as_view(), name="moderation-analyze"),
    path("moderation/readers/<str:username>/", ReaderApi.as_view(), name="moderation-reader"),
    path("me/export/", MeExportApi.as_view(), name="me-export"),
    path("me/decisions/", MeDecisionsApi.as_view(), name="me-decisions"),
    path(
        "me/decisions/<uuid:statement_id>/appeal/", MeDecisionAppealApi.as_view(), name="me-decision-appeal"
    ),
    path("notices/<uuid:reference>/appeal/", NoticeAppealApi.as_view(), name="notice-appeal"),
    path("notices/", NoticesApi.as_view(), name="notice-list"),
    path("notices/grounds/", NoticeGroundsApi.as_view(), name="notice-grounds"),
    path("notices/<uuid:reference>/", NoticeDetailApi.as_view(), name="notice-detail"),
]
