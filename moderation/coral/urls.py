"""The phase's URL, below /api/ (moderation/urls.py): Coral is given the full URL."""

from django.urls import path

from moderation.coral.api import CoralPhaseApi

urlpatterns = [
    path("phase/", CoralPhaseApi.as_view(), name="coral-phase"),
]
