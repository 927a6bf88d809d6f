"""The model registry: training into it, activating, and the active model of this process."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from moderation.classifier.data import Dataset
from moderation.classifier.evaluate import binary_metrics, cross_validated_scores
from moderation.classifier.model import DEFAULT_PARAMS, ToxicityModel, fit
from moderation.classifier.persist import ModelFileError, load_model, save_model
from moderation.models import ModelVersion

logger = logging.getLogger(__name__)


class NoActiveModel(Exception):
    """No model is active, or the active one cannot be loaded."""


def model_train(
    *,
    dataset: Dataset,
    params: dict[str, Any] | None = None,
    activate: bool = False,
    folds: int = 5,
    progress: Callable[[str], None] = lambda message: None,
) -> ModelVersion:
    """Cross-validate, fit on all data, save the file and register it (and activate it)."""
    params = {**DEFAULT_PARAMS, **(params or {})}
    progress(f"training on {dataset.name}: {len(dataset)} texts, {sum(dataset.labels)} offensive")
    metrics: dict[str, Any] = {}
    if folds > 1:
        scores = cross_validated_scores(
            dataset.texts,
            dataset.labels,
            params,
            folds=folds,
            progress=lambda done, total: progress(f"cross-validation fold {done}/{total}"),
        )
        metrics = {"cross_validated": binary_metrics(dataset.labels, scores), "folds": folds}
    progress("fitting on all data")
    model = fit(dataset.texts, dataset.labels, params)
    version = timezone.now().strftime("%Y%m%d-%H%M%S-%f") + f"-{dataset.name}"[:30]
    file_name = f"{version}.skops"
    path = Path(settings.MODELS_DIR) / file_name
    sha256 = save_model(model, path)
    row = ModelVersion.objects.create(
        version=version,
        file_name=file_name,
        sha256=sha256,
        size_bytes=path.stat().st_size,
        training_data=[dataset.summary()],
        params={key: list(value) if isinstance(value, tuple) else value for key, value in params.items()},
        metrics=metrics,
    )
    progress(f"saved {path} ({row.size_bytes / 1e6:.1f} MB)")
    if activate:
        model_activate(version=version)
    return row


def model_activate(*, version: str) -> ModelVersion:
    """Make ``version`` the one active model; workers pick it up on their next comment."""
    with transaction.atomic():
        row = ModelVersion.objects.select_for_update().get(version=version)
        ModelVersion.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
        row.is_active = True
        row.activated_at = timezone.now()
        row.save(update_fields=["is_active", "activated_at"])
    return row


def model_path(row: ModelVersion) -> Path:
    return Path(settings.MODELS_DIR) / row.file_name


@dataclass(frozen=True)
class LoadedModel:
    row: ModelVersion
    model: ToxicityModel

    def is_for(self, row: ModelVersion) -> bool:
        return (self.row.pk, self.row.sha256, self.row.file_name) == (row.pk, row.sha256, row.file_name)


_loaded: LoadedModel | None = None
_load_lock = threading.Lock()


def active_model() -> LoadedModel:
    """The active model, loaded once per process and reloaded when another version
    becomes active (one indexed query per call to notice that). A load failure is
    written to the registry row for health to show, and cleared by the next
    process that has the model working."""
    global _loaded
    row = ModelVersion.objects.filter(is_active=True).first()
    if row is None:
        raise NoActiveModel("no model is active; train one with `manage.py train_model --activate`")
    current = _loaded
    if current is None or not current.is_for(row):
        with _load_lock:
            if _loaded is None or not _loaded.is_for(row):
                try:
                    model = load_model(model_path(row), sha256=row.sha256)
                except ModelFileError as exc:
                    ModelVersion.objects.filter(pk=row.pk).update(load_error=str(exc))
                    raise NoActiveModel(str(exc)) from exc
                logger.info("loaded model %s", row.version)
                _loaded = LoadedModel(row=row, model=model)
            current = _loaded
    if row.load_error:
        ModelVersion.objects.filter(pk=row.pk).update(load_error="")
    return current
