"""GET /api/health/: is the database reachable, the broker answering, a model usable?

Everyone (load balancers) gets the yes or no of each check; the details (errors,
model version and figures, queue depths, waiting comments) only internal callers,
as for /metrics.
"""

from typing import Any

import redis
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation.selectors import model_status, pending_status
from monitoring.broker import queue_lengths
from monitoring.metrics import internal_request


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "vendor": connection.vendor}


def _broker() -> dict[str, Any]:
    try:
        depths = queue_lengths()
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "queue_depth": depths["moderation"]}


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
        status = 200 if ok else 503
        if not internal_request(request):
            return Response(
                {"ok": ok, "checks": {name: {"ok": c["ok"]} for name, c in checks.items()}}, status
            )
        body: dict[str, Any] = {"ok": ok, "checks": checks}
        if checks["database"]["ok"]:
            body["pending"] = pending_status()
        return Response(body, status=status)
