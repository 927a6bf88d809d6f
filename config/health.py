"""GET /api/health/: is the database reachable, the broker answering, a model usable?"""

from typing import Any

import redis
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation.selectors import model_status, pending_status


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "vendor": connection.vendor}


def _broker() -> dict[str, Any]:
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        depth = client.llen("moderation")
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "queue_depth": depth}


def _model() -> dict[str, Any]:
    try:
        return model_status()
    except Exception as exc:  # the database is down: reported above
        return {"ok": False, "error": str(exc)}


class HealthApi(APIView):
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={
            200: inline_serializer(
                "Health", {"ok": serializers.BooleanField(), "checks": serializers.DictField()}
            ),
            503: inline_serializer(
                "Unhealthy", {"ok": serializers.BooleanField(), "checks": serializers.DictField()}
            ),
        }
    )
    def get(self, request: Request) -> Response:
        checks = {"database": _database(), "broker": _broker(), "model": _model()}
        ok = all(check["ok"] for check in checks.values())
        body: dict[str, Any] = {"ok": ok, "checks": checks}
        if checks["database"]["ok"]:
            body["pending"] = pending_status()
        return Response(body, status=200 if ok else 503)
