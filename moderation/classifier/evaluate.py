"""Measures of a model: the GermEval "average F", macro-F1 and ROC-AUC."""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from moderation.classifier.model import fit


def germeval_f1(y_true: Sequence[Any], y_pred: Sequence[Any]) -> float:
    """The GermEval 2018 measure: harmonic mean of macro precision and macro recall."""
    precision = precision_score(y_true, y_pred, average="macro", zero_division=0)
    recall = recall_score(y_true, y_pred, average="macro", zero_division=0)
    return 0.0 if precision + recall == 0 else float(2 * precision * recall / (precision + recall))


def binary_metrics(labels: Sequence[int], scores: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    y_true = np.asarray(labels)
    y_pred = (scores >= threshold).astype(int)
    return {
        "n": len(y_true),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4),
        "germeval_f1": round(germeval_f1(y_true, y_pred), 4),
        "roc_auc": round(float(roc_auc_score(y_true, scores)), 4),
    }


def cross_validated_scores(
    texts: Sequence[str],
    labels: Sequence[int],
    params: dict[str, Any] | None = None,
    folds: int = 5,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 42,
) -> np.ndarray:
    """Out-of-fold P(offensive) for every text, from ``folds`` stratified splits."""
    texts = list(texts)
    y = np.asarray(labels)
    scores = np.zeros(len(texts))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for number, (train, test) in enumerate(splitter.split(texts, y), start=1):
        model = fit([texts[i] for i in train], y[train], params)
        scores[test] = model.score([texts[i] for i in test])
        if progress:
            progress(number, folds)
    return scores
