"""Evaluating a registered model on labelled data, with a report under DATA_DIR."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from moderation.classifier.data import Dataset
from moderation.classifier.evaluate import (
    binary_metrics,
    calibration_metrics,
    fine_metrics,
    fine_predictions,
    has_fine_labels,
)
from moderation.classifier.persist import load_model
from moderation.classifier.report import write_report
from moderation.modelops.registry import model_path
from moderation.models import ModelVersion
from moderation.policy.thresholds import thresholds_for


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, Any]
    report: Path


def reports_dir() -> Path:
    return Path(settings.DATA_DIR) / "reports"


def model_evaluate(*, row: ModelVersion, dataset: Dataset) -> Evaluation:
    """Score ``dataset`` with the model of ``row``; measures and a report folder
    ``reports/<version>--<dataset>--<time>/`` under DATA_DIR."""
    model = load_model(model_path(row), sha256=row.sha256)
    scores = model.score(dataset.texts)
    metrics: dict[str, Any] = binary_metrics(dataset.labels, scores)
    if has_fine_labels(dataset):
        given = model.fine_given(dataset.texts)
        metrics.update(
            fine_metrics(
                dataset.fine,
                fine_predictions(
                    scores,
                    given,
                    model.fine_labels,
                    dataset.fine,
                    minimums=(row.metrics or {}).get("fine_minimums"),
                ),
            )
        )
    metrics["brier"] = calibration_metrics(dataset.labels, scores)["brier"]
    thresholds = thresholds_for(row)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", dataset.name)[:40]
    folder = reports_dir() / f"{row.version}--{slug}--{timezone.now():%Y%m%d-%H%M%S}"
    page = write_report(
        folder,
        title=f"Model {row.version} on {dataset.name}",
        labels=dataset.labels,
        scores=scores,
        metrics={
            **metrics,
            "publish_below": thresholds.publish_below,
            "reject_above": thresholds.reject_above,
        },
        publish_below=thresholds.publish_below,
        reject_above=thresholds.reject_above,
    )
    return Evaluation(metrics=metrics, report=page)


def model_reports(row: ModelVersion) -> list[str]:
    """Report folder names of a model version, newest first."""
    folder = reports_dir()
    if not folder.is_dir():
        return []
    return sorted(
        (path.name for path in folder.iterdir() if path.name.startswith(f"{row.version}--")), reverse=True
    )
