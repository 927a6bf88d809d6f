"""Evaluating a registered model on labelled data, and the model's training across
sources (cross-domain), each with a report under DATA_DIR."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from moderation.classifier.data import Dataset
from moderation.modelops.registry import model_path
from moderation.models import ModelVersion
from moderation.policy.thresholds import thresholds_for


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, Any]
    report: Path


@dataclass(frozen=True)
class CrossDomainEvaluation:
    loso: dict[str, dict[str, Any]]
    development: dict[str, Any]
    report: Path


class CrossDomainDataError(ValueError):
    """The data cannot be evaluated across sources (no such development source, or
    too few texts of a class in it to cross-validate)."""


# The news-comment development data: GermEval 2021's training file (Facebook comments
# under a political talk show), the closest of the public sets to a news site's.
DEVELOPMENT_SOURCE = "germeval2021"


def reports_dir() -> Path:
    return Path(settings.DATA_DIR) / "reports"


def _report_folder(prefix: str, name: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:40]
    return reports_dir() / f"{prefix}--{slug}--{timezone.now():%Y%m%d-%H%M%S}"


def model_evaluate(*, row: ModelVersion, dataset: Dataset) -> Evaluation:
    """Score ``dataset`` with the model of ``row``; measures and a report folder
    ``reports/<version>--<dataset>--<time>/`` under DATA_DIR."""
    # scikit-learn and matplotlib here, not at start-up: the web process imports this
    # module for its reports' folder only.
    from moderation.classifier.evaluate import (
        binary_metrics,
        calibration_metrics,
        fine_metrics,
        fine_predictions,
        has_fine_labels,
    )
    from moderation.classifier.persist import load_model
    from moderation.classifier.report import write_report

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
    folder = _report_folder(row.version, dataset.name)
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


def cross_domain_evaluate(
    *,
    dataset: Dataset,
    development: str = DEVELOPMENT_SOURCE,
    params: dict[str, Any] | None = None,
    folds: int = 5,
    progress: Callable[[str], None] = lambda message: None,
) -> CrossDomainEvaluation:
    """How a model trained on ``dataset`` does on kinds of text it was not trained on,
    and on the ``development`` source (the news comments the defaults are chosen on).

    ``loso``: ``leave_one_source_out`` per source. ``development``: the ``development``
    source cross-validated in ``folds`` folds with the other sources always in training
    (``development_cross_validate``); its measures at the same label rule as ``loso``
    (decision ≥ 0), and on its out-of-fold scores, Platt-calibrated on those same
    scores, the ``tradeoff`` and the thresholds recommended for a site where
    ``DEFAULT_SITE_PREVALENCE`` of the comments are offensive. A report folder
    ``reports/cross-domain--<dataset>--<time>/`` under DATA_DIR. Fits one model per
    source left out and one per fold: minutes on the full data.
    Raises ``CrossDomainDataError`` for an unknown development source or one with
    fewer than ``folds`` texts of a class."""
    from moderation.classifier.evaluate import (
        DEFAULT_SITE_PREVALENCE,
        binary_metrics,
        calibrated,
        development_cross_validate,
        leave_one_source_out,
        recommend_thresholds,
        tradeoff,
    )
    from moderation.classifier.model import fit_calibrations
    from moderation.classifier.report import write_cross_domain_report

    if development not in dataset.parts():
        raise CrossDomainDataError(
            f"no source {development!r} in the data; its sources are {', '.join(dataset.parts())}"
        )
    labels = [
        label for label, origin in zip(dataset.labels, dataset.origins, strict=True) if origin == development
    ]
    smallest = min(sum(labels), len(labels) - sum(labels))
    if smallest == 0:
        raise CrossDomainDataError(f"the development source {development!r} has texts of one class only")
    if smallest < max(folds, 2):
        raise CrossDomainDataError(
            f"the development source {development!r} has {smallest} texts of its smaller class, "
            f"fewer than {max(folds, 2)} folds"
        )
    loso = leave_one_source_out(
        dataset,
        params,
        progress=lambda done, total: progress(f"leave-one-source-out: {done}/{total} sources done"),
    )
    decisions, languages = development_cross_validate(
        dataset,
        development,
        params,
        folds=folds,
        progress=lambda done, total: progress(f"{development}: fold {done}/{total} done"),
    )
    scores = calibrated(decisions, languages, fit_calibrations(decisions, labels, languages))
    result = {
        "source": development,
        "folds": folds,
        "metrics": binary_metrics(labels, decisions, threshold=0.0),
        "thresholds": recommend_thresholds(labels, scores, prevalence=DEFAULT_SITE_PREVALENCE),
        "tradeoff": tradeoff(labels, scores, prevalence=DEFAULT_SITE_PREVALENCE),
    }
    page = write_cross_domain_report(
        _report_folder("cross-domain", dataset.name),
        title=f"Cross-domain evaluation on {dataset.name}",
        loso=loso,
        development=result,
    )
    return CrossDomainEvaluation(loso=loso, development=result, report=page)
