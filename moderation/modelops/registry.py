"""The model registry: training into it, activating, and the active model of this process."""

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from moderation.audit import settings_audited
from moderation.classifier.data import Dataset
from moderation.models import ModelVersion, SettingsAuditEntry

# numpy, scipy and scikit-learn are imported where a model is trained or loaded, not
# here: the web process imports the registry (health, the admin) but scores only on
# the analysis endpoints, and its workers stay lean until then.
if TYPE_CHECKING:
    import numpy as np

    from moderation.classifier.evaluate import OutOfFold
    from moderation.classifier.model import ToxicityModel

logger = logging.getLogger(__name__)


class NoActiveModel(Exception):
    """No model is active, or the active one cannot be loaded."""


class TrainingDataError(ValueError):
    """The data cannot train a model (one class only, too few texts to cross-validate)."""


def training_metrics(
    dataset: Dataset,
    out_of_fold: "OutOfFold",
    calibrations: dict[str, "np.ndarray"],
    *,
    primary: str | None = None,
) -> dict[str, Any]:
    """Cross-validated measures of a model trained on ``dataset``, per dataset it
    combines, with the policy thresholds they recommend. Thresholds come from the
    out-of-fold scores of the ``primary`` dataset (the first one named): the data
    most like the site's comments, weighted to a site where ``DEFAULT_SITE_PREVALENCE``
    of the comments are offensive under the default rules (``recommend_thresholds``).
    Where the primary data has both classes, also the trade-off for such a site
    (``tradeoff``) and, for the site-mix estimate, the thresholds for other mixes and
    the flag rates; primary data of one class has no mix to weight, so its
    thresholds are chosen on it as it is."""
    import numpy as np

    from moderation.classifier.evaluate import (
        DEFAULT_SITE_PREVALENCE,
        automatic_share_by_prevalence,
        binary_metrics,
        calibrated_scores,
        calibration_metrics,
        fine_minimums_by_origin,
        flag_rates,
        label_thresholds,
        metrics_by_origin,
        recommend_thresholds,
        tradeoff,
    )

    scores = calibrated_scores(out_of_fold, calibrations)
    labels = np.asarray(dataset.labels)
    primary = primary or dataset.parts()[0]
    rows = np.asarray(dataset.origins) == primary
    cuts = label_thresholds(out_of_fold, scores, labels)
    per_text = np.array([cuts[language] for language in out_of_fold.languages])
    minimums = fine_minimums_by_origin(
        dataset, scores, out_of_fold.fine_labels, out_of_fold.fine_given, per_text
    )
    metrics: dict[str, Any] = {
        "cross_validated": binary_metrics(labels, scores, per_text),
        "label_thresholds": cuts,
        "fine_minimums": minimums,
        "by_dataset": metrics_by_origin(
            dataset, scores, out_of_fold.fine_labels, out_of_fold.fine_given, per_text, minimums
        ),
        "calibration": calibration_metrics(labels, scores),
    }
    if len(set(labels[rows].tolist())) < 2:
        metrics["thresholds"] = {"dataset": primary, **recommend_thresholds(labels[rows], scores[rows])}
    else:  # a site's mix is read off both classes' scores
        recommended = recommend_thresholds(labels[rows], scores[rows], prevalence=DEFAULT_SITE_PREVALENCE)
        metrics["thresholds"] = {"dataset": primary, **recommended}
        metrics["tradeoff"] = tradeoff(labels[rows], scores[rows], prevalence=DEFAULT_SITE_PREVALENCE)
        metrics["automatic_by_prevalence"] = automatic_share_by_prevalence(labels[rows], scores[rows])
        metrics["site_mix"] = flag_rates(labels[rows], scores[rows])
    return metrics


def primary_language(dataset: Dataset, languages: Sequence[str]) -> str:
    """The language most of the primary data's texts were scored in."""
    primary = dataset.parts()[0]
    routed = [
        language for language, origin in zip(languages, dataset.origins, strict=True) if origin == primary
    ]
    return Counter(routed).most_common(1)[0][0]


def model_train(
    *,
    dataset: Dataset,
    params: dict[str, Any] | None = None,
    activated_by: SettingsAuditEntry.Source | None = None,
    folds: int = 5,
    progress: Callable[[str], None] = lambda message: None,
    notes: str = "",
) -> ModelVersion:
    """Cross-validate, calibrate on the out-of-fold scores, fit on all data, save the
    file and register it; with ``activated_by`` (who asked: a command, a task) also
    activate it. With ``folds`` < 2 the model is neither calibrated nor measured."""
    from moderation.classifier.evaluate import cross_validate, fit_dataset
    from moderation.classifier.model import DEFAULT_PARAMS, at_common_mix, fit_calibrations

    params = {**DEFAULT_PARAMS, **(params or {})}
    smallest = min(sum(dataset.labels), len(dataset) - sum(dataset.labels))
    if smallest == 0:
        raise TrainingDataError(f"{dataset.name} has texts of one class only")
    if folds > 1 and smallest < folds:
        raise TrainingDataError(
            f"{dataset.name} has {smallest} texts of its smaller class, fewer than {folds} folds"
        )
    progress(f"training on {dataset.name}: {len(dataset)} texts, {sum(dataset.labels)} offensive")
    metrics: dict[str, Any] = {}
    out_of_fold = None
    if folds > 1:
        out_of_fold = cross_validate(
            dataset,
            params,
            folds=folds,
            progress=lambda done, total: progress(f"cross-validation: fold {done}/{total} done"),
        )
        calibrations = at_common_mix(
            fit_calibrations(out_of_fold.decisions, dataset.labels, out_of_fold.languages, dataset.weights),
            dataset.labels,
            out_of_fold.languages,
            dataset.weights,
            reference=primary_language(dataset, out_of_fold.languages),
        )
        metrics = {**training_metrics(dataset, out_of_fold, calibrations), "folds": folds}
    progress("fitting on all data")
    model = fit_dataset(dataset, params)
    if out_of_fold is not None:
        model.set_calibrations(calibrations)
        model.set_label_thresholds(metrics["label_thresholds"])
    if notes:
        metrics["notes"] = notes
    row = model_register(model=model, dataset=dataset, metrics=metrics)
    progress(f"saved {model_path(row)} ({row.size_bytes / 1e6:.1f} MB)")
    if activated_by is not None:
        model_activate(version=row.version, source=activated_by, reason="trained and activated")
    return row


def model_register(*, model: "ToxicityModel", dataset: Dataset, metrics: dict[str, Any]) -> ModelVersion:
    from moderation.classifier.persist import save_model

    version = timezone.now().strftime("%Y%m%d-%H%M%S-%f") + f"-{dataset.name}"[:30]
    file_name = f"{version}.npz"
    path = Path(settings.MODELS_DIR) / file_name
    sha256 = save_model(model, path)
    return ModelVersion.objects.create(
        version=version,
        file_name=file_name,
        sha256=sha256,
        size_bytes=path.stat().st_size,
        training_data=[_part_summary(dataset.subset(name)) for name in dataset.parts()],
        params=model.params,
        metrics=metrics,
    )


def _part_summary(part: Dataset) -> dict[str, object]:
    """A part's summary with the weight its texts had in training (the largest, where
    they differ)."""
    return {**part.summary(), "weight": max(part.weights, default=1.0)}


def model_activate(
    *,
    version: str,
    source: SettingsAuditEntry.Source,
    user: User | None = None,
    reason: str = "",
) -> ModelVersion:
    """Make ``version`` the one active model; workers pick it up on their next comment.
    Audited in the same transaction: the version active before (None if none was)
    and after, and who asked (``source``, ``user``) and why."""
    row = ModelVersion.objects.get(version=version)

    def change() -> dict[str, dict[str, str | None]]:
        row.refresh_from_db(from_queryset=ModelVersion.objects.select_for_update())
        previous = ModelVersion.objects.filter(is_active=True).values_list("version", flat=True).first()
        ModelVersion.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
        row.is_active = True
        row.activated_at = timezone.now()
        row.save(update_fields=["is_active", "activated_at"])
        return {"active_model": {"before": previous, "after": row.version}}

    settings_audited(SettingsAuditEntry.Subject.ACTIVE_MODEL, change, source=source, user=user, reason=reason)
    return row


def model_path(row: ModelVersion) -> Path:
    return Path(settings.MODELS_DIR) / row.file_name


def active_model_row() -> ModelVersion | None:
    """The registry row of the active model, None when none is active. One indexed query."""
    return ModelVersion.objects.filter(is_active=True).first()


def model_load_error(row: ModelVersion) -> str | None:
    """Why the model file of ``row`` cannot be loaded (missing, altered, of an older
    format), or None when it loads. Reads the whole file: for commands, not requests."""
    from moderation.classifier.persist import ModelFileError, load_model

    try:
        load_model(model_path(row), sha256=row.sha256)
    except ModelFileError as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class LoadedModel:
    row: ModelVersion
    model: "ToxicityModel"

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
    row = active_model_row()
    if row is None:
        raise NoActiveModel("no model is active; train one with `manage.py train_model --activate`")
    current = _loaded
    if current is None or not current.is_for(row):
        with _load_lock:
            if _loaded is None or not _loaded.is_for(row):
                from moderation.classifier.persist import ModelFileError, load_model

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
