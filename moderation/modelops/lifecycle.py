"""Retraining from moderators' decisions: a challenger against the active model
(the champion), promoted only if it is not worse on the same held-out decisions."""

import logging
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import F
from sklearn.model_selection import train_test_split

from moderation.classifier.data import Dataset, combine
from moderation.classifier.evaluate import binary_metrics
from moderation.classifier.model import ToxicityModel
from moderation.classifier.persist import load_model
from moderation.modelops.registry import model_activate, model_path, model_train
from moderation.modelops.training_data import best_available_data, decisions_dataset
from moderation.models import AuditEntry, ModelVersion, SettingsAuditEntry

logger = logging.getLogger(__name__)
HOLDOUT_SHARE = 0.25


def promotion_decision(
    champion: dict[str, float | None], challenger: dict[str, float | None]
) -> tuple[bool, str]:
    """Promote unless the challenger is worse than the champion on macro-F1 or on
    ROC-AUC (where the held-out data has both classes). Ties promote: the
    challenger has seen more of this site's comments."""
    for name in ("macro_f1", "roc_auc"):
        old, new = champion.get(name), challenger.get(name)
        if old is None or new is None:
            continue
        if new < old:
            return False, f"challenger {name} {new:.4f} < champion {old:.4f}"
    compared = ", ".join(
        f"{name} {_figure(challenger.get(name))} ≥ {_figure(champion.get(name))}"
        for name in ("macro_f1", "roc_auc")
    )
    return True, f"challenger not worse than champion: {compared}"


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def _holdout_metrics(model: ToxicityModel, holdout: Dataset) -> dict[str, float | None]:
    return binary_metrics(holdout.labels, model.score(holdout.texts))


def retraining_data(base: Dataset, decisions: Dataset, weight: float | None = None) -> Dataset:
    """The base data with the site's ``decisions`` after it, each decision weighing
    ``weight`` (default ``MODEL_RETRAIN_DECISION_WEIGHT``): the public corpora are
    other people's comments, the decisions say what this site accepts."""
    weight = settings.MODEL_RETRAIN_DECISION_WEIGHT if weight is None else weight
    return combine([base, decisions.renamed("decisions", weight)])


def model_retrain(
    *,
    source: SettingsAuditEntry.Source,
    base: Dataset | None = None,
    min_decisions: int | None = None,
    folds: int = 3,
    params: dict[str, Any] | None = None,
) -> ModelVersion | None:
    """Train a challenger on the base data plus moderators' decisions (each weighing
    ``MODEL_RETRAIN_DECISION_WEIGHT``, see ``retraining_data``) and promote it
    if it is not worse than the champion on held-out decisions. The comparison and
    the reason are stored in the challenger's metrics (``promotion``). Returns the
    challenger, or None when there are too few decisions to learn from. A promotion
    is audited on the account of ``source`` (the task or the command that asked)."""
    decisions = decisions_dataset()
    needed = settings.MODEL_RETRAIN_MIN_DECISIONS if min_decisions is None else min_decisions
    # New decisions since the active model was trained: without enough of them a
    # challenger would learn nothing its champion did not.
    champion = ModelVersion.objects.filter(is_active=True).only("created_at").first()
    new = AuditEntry.objects.filter(actor=AuditEntry.Actor.MODERATOR).exclude(from_status=F("to_status"))
    if champion is not None:
        new = new.filter(created_at__gt=champion.created_at)
    fresh = new.count()
    if fresh < needed or len(set(decisions.labels)) < 2:
        logger.info("retraining skipped: %d new decisions, %d needed", fresh, needed)
        return None
    if base is None:
        base, _ = best_available_data()
    train_rows, holdout_rows = train_test_split(
        np.arange(len(decisions)), test_size=HOLDOUT_SHARE, stratify=decisions.labels, random_state=42
    )
    learn, holdout = decisions.rows(train_rows), decisions.rows(holdout_rows)
    champion_row = ModelVersion.objects.filter(is_active=True).first()
    challenger_row = model_train(
        dataset=retraining_data(base, learn),
        params=params,
        folds=folds,
        notes="challenger trained on decisions",
    )
    challenger = load_model(model_path(challenger_row), sha256=challenger_row.sha256)
    challenger_metrics = _holdout_metrics(challenger, holdout)
    if champion_row is None:
        promote, reason, champion_metrics = True, "no active model", {}
    else:
        champion_model = load_model(model_path(champion_row), sha256=champion_row.sha256)
        champion_metrics = _holdout_metrics(champion_model, holdout)
        promote, reason = promotion_decision(champion_metrics, challenger_metrics)
    challenger_row.metrics = {
        **challenger_row.metrics,
        "promotion": {
            "champion": champion_row.version if champion_row else None,
            "held_out_decisions": len(holdout),
            "champion_metrics": champion_metrics,
            "challenger_metrics": challenger_metrics,
            "promoted": promote,
            "reason": reason,
        },
    }
    challenger_row.save(update_fields=["metrics"])
    if promote:
        model_activate(
            version=challenger_row.version, source=source, reason=f"retrained and promoted: {reason}"
        )
    logger.info(
        "challenger %s %s: %s", challenger_row.version, "promoted" if promote else "kept back", reason
    )
    return challenger_row
