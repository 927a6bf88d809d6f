"""GET /metrics in the Prometheus text format, for internal scrapers only.

Request latency is measured in every web process (in gunicorn's multiprocess mode
when PROMETHEUS_MULTIPROC_DIR is set); the comment figures are read from the
database and Redis at scrape time, so they are the same whichever process answers.
"""

import hmac
import os
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import redis
from django.conf import settings
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from discussion.models import Comment
from moderation.models import AuditEntry, ModelVersion
from monitoring.broker import queue_lengths
from web.security import in_networks

REQUEST_LATENCY = Histogram(
    "stammtisch_http_request_duration_seconds",
    "Time to answer an HTTP request, by route.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The route pattern, not the path: one series per endpoint, not per comment id.
        route = match.route if match is not None else "unmatched"
        REQUEST_LATENCY.labels(request.method, route, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


class ModerationCollector:
    """Comments by status, decisions by actor and outcome, the queue, time to
    decision and the active model, read when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        comments = GaugeMetricFamily("stammtisch_comments", "Comments by status.", labels=["status"])
        for row in Comment.objects.values("status").annotate(n=Count("id")):
            comments.add_metric([row["status"]], row["n"])
        yield comments

        decisions = CounterMetricFamily(
            "stammtisch_decisions",
            "Status changes out of pending, by who decided and the outcome.",
            labels=["actor", "outcome"],
        )
        for row in (
            AuditEntry.objects.filter(from_status=Comment.Status.PENDING)
            .exclude(to_status=Comment.Status.PENDING)
            .values("actor", "to_status")
            .annotate(n=Count("id"))
        ):
            decisions.add_metric([row["actor"], row["to_status"]], row["n"])
        yield decisions

        depth = GaugeMetricFamily(
            "stammtisch_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        try:
            for queue, length in queue_lengths().items():
                depth.add_metric([queue], length)
            broker_up = 1
        except redis.RedisError:
            broker_up = 0
        yield depth
        yield GaugeMetricFamily("stammtisch_broker_up", "Whether Redis answers.", value=broker_up)

        waits = [
            (decided - written).total_seconds()
            for decided, written in AuditEntry.objects.filter(
                actor=AuditEntry.Actor.MODEL,
                from_status=Comment.Status.PENDING,
                created_at__gte=timezone.now() - timedelta(hours=1),
                comment_revision=1,
            )
            .order_by("-id")
            .values_list("created_at", F("comment__created_at"))[:10_000]
        ]
        decision = GaugeMetricFamily(
            "stammtisch_time_to_decision_seconds",
            "From writing to the machine's decision, comments of the last hour.",
            labels=["quantile"],
        )
        if waits:
            ordered = sorted(waits)
            decision.add_metric(["0.5"], statistics.median(ordered))
            decision.add_metric(["0.99"], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))])
        yield decision

        model = GaugeMetricFamily("stammtisch_model_info", "The active model version.", labels=["version"])
        version = ModelVersion.objects.filter(is_active=True).values_list("version", flat=True).first()
        if version:
            model.add_metric([version], 1)
        yield model


def internal_request(request: HttpRequest) -> bool:
    """From a scraper: it sends METRICS_TOKEN, or it connects directly (no proxy in
    between, which would make every outside request look local) from an allowed network."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header, f"Bearer {token}"):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    return in_networks(request.META.get("REMOTE_ADDR", ""), settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not internal_request(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    moderation = CollectorRegistry()
    moderation.register(ModerationCollector())
    return HttpResponse(
        generate_latest(processes) + generate_latest(moderation), content_type=CONTENT_TYPE_LATEST
    )
