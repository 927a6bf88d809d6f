from django.urls import path

from discussion.api import ArticleCommentsApi, CommentDetailApi, RegisterApi, TokenApi

urlpatterns = [
    path("articles/<slug:slug>/comments/", ArticleCommentsApi.as_view(), name="article-comments"),
    path("comments/<int:comment_id>/", CommentDetailApi.as_view(), name="comment-detail"),
    path("auth/register/", RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
]
