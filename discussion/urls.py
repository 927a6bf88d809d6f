from django.urls import path

from discussion.api import (
    ArticleCommentsApi,
    CommentDetailApi,
    CommentReactionsApi,
    CommentRepliesApi,
    CommentReportsApi,
    MeApi,
    MeCommentsApi,
    RegisterApi,
    TokenApi,
)

urlpatterns = [
    path("articles/<slug:slug>/comments/", ArticleCommentsApi.as_view(), name="article-comments"),
    path("comments/<int:comment_id>/", CommentDetailApi.as_view(), name="comment-detail"),
    path("comments/<int:comment_id>/replies/", CommentRepliesApi.as_view(), name="comment-replies"),
    path("comments/<int:comment_id>/reactions/", CommentReactionsApi.as_view(), name="comment-reactions"),
    path("comments/<int:comment_id>/reports/", CommentReportsApi.as_view(), name="comment-reports"),
    path("me/", MeApi.as_view(), name="me"),
    path("me/comments/", MeCommentsApi.as_view(), name="me-comments"),
    path("auth/register/", RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
]
