from django.urls import path

from discussion.api import (
    ArticleCommentsApi,
    CommentDetailApi,
    CommentReactionsApi,
    CommentRepliesApi,
    CommentReportsApi,
    MeCommentsApi,
)

urlpatterns = [
    path("articles/<slug:slug>/comments/", ArticleCommentsApi.as_view(), name="article-comments"),
    path("comments/<int:comment_id>/", CommentDetailApi.as_view(), name="comment-detail"),
    path("comments/<int:comment_id>/replies/", CommentRepliesApi.as_view(), name="comment-replies"),
    path("comments/<int:comment_id>/reactions/", CommentReactionsApi.as_view(), name="comment-reactions"),
    path("comments/<int:comment_id>/reports/", CommentReportsApi.as_view(), name="comment-reports"),
    path("me/comments/", MeCommentsApi.as_view(), name="me-comments"),
]
