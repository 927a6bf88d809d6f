"""Perspective's paths, mounted at the site's root (config/urls.py) so that a
client's base URL https://<site>/v1alpha1 takes the place of Google's."""

from django.urls import path

from moderation.perspective.api import AnalyzeCommentApi, SuggestCommentScoreApi

urlpatterns = [
    path("comments:analyze", AnalyzeCommentApi.as_view(), name="perspective-analyze"),
    path("comments:suggestscore", SuggestCommentScoreApi.as_view(), name="perspective-suggestscore"),
]
