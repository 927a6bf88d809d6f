"""Figures for the statistics page, from comments and the audit log."""

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from discussion.models import Comment
from moderation.models import AuditEntry, ModelVersion
from moderation.policy.rules import policy_config
from moderation.statistics.charts import line, stacked_bars

OUTCOMES = ["published", "held", "rejected", "removed", "pending"]


def _days(since: datetime, days: int) -> list[date]:
    first = timezone.localdate(since)
    return [first + timedelta(days=n) for n in range(days + 1)]


def comments_per_day(since: datetime, days: list[date]) -> dict[str, list[int]]:
    """Comments written per day, by their status now."""
    counts: dict[tuple[date, str], int] = {
        (row["day"], row["status"]): row["n"]
        for row in Comment.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("id"))
    }
    return {status: [counts.get((day, status), 0) for day in days] for status in OUTCOMES}


def automatic_share(since: datetime, days: list[date]) -> tuple[float | None, list[float]]:
    """Of the first decisions on new or edited comments, the share the machine took
    alone (published or rejected, not handed to a human); overall and per day."""
    rows = (
        AuditEntry.objects.filter(created_at__gte=since, from_status=Comment.Status.PENDING)
        .exclude(actor=AuditEntry.Actor.AUTHOR)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            total=Count("id"),
            automatic=Count(
                "id",
                filter=Q(
                    actor=AuditEntry.Actor.MODEL,
                    to_status__in=[Comment.Status.PUBLISHED, Comment.Status.REJECTED],
                ),
            ),
        )
    )
    by_day = {row["day"]: row for row in rows}
    total = sum(row["total"] for row in by_day.values())
    automatic = sum(row["automatic"] for row in by_day.values())
    per_day = [
        100 * by_day[day]["automatic"] / by_day[day]["total"]
        if day in by_day and by_day[day]["total"]
        else 0.0
        for day in days
    ]
    return (automatic / total if total else None), per_day


def held_queue_length(since: datetime, days: list[date]) -> list[int]:
    """Comments waiting in the held (and reported) queue at the end of each day,
    replayed from the audit log: every entry into held adds one, every exit removes one."""

    def delta(queryset: Any) -> int:
        return queryset.filter(to_status=Comment.Status.HELD).exclude(
            from_status=Comment.Status.HELD
        ).count() - (
            queryset.filter(from_status=Comment.Status.HELD).exclude(to_status=Comment.Status.HELD).count()
        )

    level = delta(AuditEntry.objects.filter(created_at__lt=since))
    changes: dict[date, int] = defaultdict(int)
    for row in (
        AuditEntry.objects.filter(created_at__gte=since)
        .filter(Q(to_status=Comment.Status.HELD) | Q(from_status=Comment.Status.HELD))
        .exclude(from_status=Comment.Status.HELD, to_status=Comment.Status.HELD)
        .annotate(day=TruncDate("created_at"))
        .values("day", "to_status")
        .annotate(n=Count("id"))
    ):
        changes[row["day"]] += row["n"] if row["to_status"] == Comment.Status.HELD else -row["n"]
    lengths = []
    for day in days:
        level += changes.get(day, 0)
        lengths.append(level)
    return lengths


def decision_times(since: datetime) -> dict[str, float | None]:
    """Median minutes from writing to the final decision: by the machine alone, and
    where a moderator decided."""
    # Entries that leave the status as it was (a note, a pick) decide nothing.
    decided = (
        AuditEntry.objects.filter(
            created_at__gte=since, to_status__in=[Comment.Status.PUBLISHED, Comment.Status.REJECTED]
        )
        .exclude(from_status=F("to_status"))
        .values_list("actor", "created_at", "comment__created_at")
    )
    waits: dict[str, list[float]] = {"model": [], "moderator": []}
    for actor, decided_at, written_at in decided.iterator():
        if actor in waits:
            waits[actor].append((decided_at - written_at).total_seconds() / 60)
    return {actor: (statistics.median(values) if values else None) for actor, values in waits.items()}


def score_histogram(since: datetime, bins: int = 20) -> dict[str, list[int]]:
    counts = {status: [0] * bins for status in ["published", "held", "rejected"]}
    for score, status in (
        Comment.objects.filter(created_at__gte=since, score__isnull=False)
        .values_list("score", "status")
        .iterator()
    ):
        if status in counts and score is not None:
            counts[status][min(int(score * bins), bins - 1)] += 1
    return counts


# Fewer comments scored by the active model than this say too little about the mix.
SITE_MIX_MIN_COMMENTS = 200


def site_mix(since: datetime) -> dict[str, Any] | None:
    """The share of offensive comments on the site, estimated from the comments the
    active model scored since ``since`` and the rates at which it flags offensive and
    acceptable texts (its out-of-fold measures), with the thresholds its evaluation
    recommends for that mix and the site's thresholds now. None without an active
    model that carries those measures; ``estimate`` None with too few comments."""
    model = ModelVersion.objects.filter(is_active=True).first()
    metrics = (model.metrics or {}) if model else {}
    rates, by_mix = metrics.get("site_mix"), metrics.get("automatic_by_prevalence")
    if model is None or not rates or not by_mix:
        return None
    scored = AuditEntry.objects.filter(
        created_at__gte=since,
        actor=AuditEntry.Actor.MODEL,
        from_status=Comment.Status.PENDING,
        model_version=model,
        score__isnull=False,
    ).aggregate(n=Count("id"), flagged=Count("id", filter=Q(score__gte=rates["cut"])))
    current = policy_config(article_id=None, model_version=model).thresholds
    result: dict[str, Any] = {"model": model.version, "n": scored["n"], "current": current, "estimate": None}
    if scored["n"] >= SITE_MIX_MIN_COMMENTS:
        # scikit-learn's module, imported here rather than with the web process.
        from moderation.classifier.evaluate import estimate_prevalence

        flagged = scored["flagged"] / scored["n"]
        estimate = estimate_prevalence(flagged, rates)
        result["flagged"] = flagged
        result["estimate"] = estimate
        result["recommended"] = min(by_mix, key=lambda row: abs(row["prevalence"] - estimate))
    return result


def statistics_page_context(*, since: datetime, days: int) -> dict[str, Any]:
    day_list = _days(since, days)
    labels = [day.strftime("%d.%m.") for day in day_list]
    share, share_per_day = automatic_share(since, day_list)
    times = decision_times(since)
    histogram = score_histogram(since)
    return {
        "days": days,
        "site_mix": site_mix(since),
        "automatic_share": share,
        "median_minutes": times,
        "charts": [
            stacked_bars(labels, comments_per_day(since, day_list), gettext("Comments per day, by outcome")),
            line(labels, share_per_day, gettext("Share decided without a human (%)"), unit="%"),
            line(labels, held_queue_length(since, day_list), gettext("Held queue at the end of each day")),
            stacked_bars(
                [number_format(n / 20, 2) for n in range(20)],
                histogram,
                gettext("Score distribution (model's P(offensive))"),
            ),
        ],
    }
