from django.urls import path

from accounts.api import MeApi, RegisterApi, SsoApi, TokenApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("auth/register/", RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
    path("auth/sso/", SsoApi.as_view(), name="auth-sso"),
]
