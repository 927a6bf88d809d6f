"""The evaluation reports of model versions, below the admin (config.urls mounts
them there): staff only, through the admin's login."""

from django.contrib import admin
from django.urls import path

from moderation.modelops.views import model_report_file

urlpatterns = [
    path("<str:folder>/", admin.site.admin_view(model_report_file), name="model-report"),
    path("<str:folder>/<str:name>", admin.site.admin_view(model_report_file), name="model-report-file"),
]
