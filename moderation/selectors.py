"""Reads of moderation."""

from typing import Any

from moderation.models import ModelVersion
from moderation.registry import model_path


def model_status() -> dict[str, Any]:
    """The active model as the registry knows it, and whether its file is there."""
    row = ModelVersion.objects.filter(is_active=True).first()
    if row is None:
        return {"ok": False, "error": "no active model"}
    if not model_path(row).is_file():
        return {"ok": False, "version": row.version, "error": f"model file {row.file_name} is missing"}
    return {"ok": True, "version": row.version, "metrics": row.metrics}
