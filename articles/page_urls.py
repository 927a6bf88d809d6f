"""URLs of the demo pages (the API's are in articles/urls.py)."""

from django.urls import path

from articles.views import article_index, article_page

urlpatterns = [
    path("", article_index, name="article-index"),
    path("articles/<slug:slug>/", article_page, name="article-page"),
]
