"""Reads of moderation."""

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from discussion.models import Comment
from moderation.classifier.persist import sha256_of
from moderation.models import ModelVersion
from moderation.registry import model_path


@lru_cache(maxsize=8)
def _file_sha256(path: Path, mtime_ns: int, size: int) -> str:
    return sha256_of(path)


def model_status() -> dict[str, Any]:
    """The active model as the registry knows it: is its file there, unaltered,
    and could the workers load it?"""
    row = ModelVersion.objects.filter(is_active=True).first()
    if row is None:
        return {"ok": False, "error": "no active model"}
    path = model_path(row)
    try:
        stat = path.stat()
    except OSError:
        return {"ok": False, "version": row.version, "error": f"model file {row.file_name} is missing"}
    if _file_sha256(path, stat.st_mtime_ns, stat.st_size) != row.sha256:
        return {
            "ok": False,
            "version": row.version,
            "error": f"model file {row.file_name} does not match its checksum",
        }
    if row.load_error:
        return {
            "ok": False,
            "version": row.version,
            "error": f"a worker could not load the model: {row.load_error}",
        }
    return {"ok": True, "version": row.version, "metrics": row.metrics}


def pending_status() -> dict[str, Any]:
    """How many comments wait for the machine, and since when (a stuck pipeline shows here)."""
    waiting = Comment.objects.filter(status=Comment.Status.PENDING).aggregate(
        count=Count("id"), oldest=Min("status_changed_at")
    )
    age = (timezone.now() - waiting["oldest"]).total_seconds() if waiting["oldest"] else 0.0
    return {"count": waiting["count"], "oldest_age_s": round(age, 1)}
