from django.urls import path

from articles.api import ArticleDetailApi, ArticleListApi

urlpatterns = [
    path("articles/", ArticleListApi.as_view(), name="article-list"),
    path("articles/<slug:slug>/", ArticleDetailApi.as_view(), name="article-detail"),
]
