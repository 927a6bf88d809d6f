"""The final step of the pipeline: two averaged linear models, a calibration, and a
head for the fine labels.

- A logistic regression on the TF-IDF features and one on the same features scaled
  by their Naive-Bayes log-count ratio (NB-LR, Wang & Manning 2012; the ratio, as
  theirs, from the share of texts of each class in which a feature occurs). Both give
  log-odds, so their average is again one linear function: ``coef_`` and
  ``intercept_`` hold it, and one sparse dot product scores a comment.
- Platt scaling (``calibration_``: slope and offset on that log-odds), fitted by
  the caller on out-of-fold decisions, so probabilities mean what they say; and
  ``label_threshold_``, the probability from which a text is labelled offensive
  (chosen on the same out-of-fold scores for the best macro average F; below 0.5
  when offensive texts are the minority).
- A multinomial logistic regression over the fine labels of the offensive texts
  (GermEval's ABUSE/INSULT/PROFANITY, Davidson's hate/offensive, …): P(label |
  offensive). The score of a fine label is P(offensive) · P(label | offensive).
  With ``fine_bags`` > 1 the head is the average of that many heads, each fitted on
  a random ``fine_bag_fraction`` of each fine label's texts (still one linear
  function, scored as one): on Davidson's tweets it confuses hate with offensive
  less often (5-fold CV, 3 seeds: hate F1 0.453 → 0.473, 3-class macro-F1 0.7575
  → 0.7654).
- Source intercepts (``source_intercepts`` > 0, given the ``sources`` of the
  training texts): in training, each source has a column of its own holding that
  value, so that a source's share of offensive texts (12 % of HASOC 2019, 42 % of
  GAHD) is learnt by its column and not by the words its texts happen to share. The
  columns are dropped after fitting: a comment is scored with the intercept common
  to all sources, and the calibration, fitted on out-of-fold decisions scored the
  same way, states it at the mix of the data it is fitted on.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

# Fine labels that mean "not offensive" in the supported formats.
NOT_OFFENSIVE_FINE = frozenset({"OTHER", "neither", ""})


def nb_log_count_ratio(
    features: sparse.csr_matrix,
    labels: np.ndarray,
    alpha: float = 1.0,
    binary: bool = True,
    sample_weight: np.ndarray | None = None,
) -> np.ndarray:
    """log(p / q) per feature, p and q its (smoothed, normalised) counts in the
    offensive and the other texts, each text counted with its ``sample_weight``.
    ``binary``: count the texts a feature occurs in, not its summed TF-IDF values;
    small TF-IDF values are otherwise drowned by ``alpha``, and (cross-validated on
    GermEval 2018) the ratios separate better."""
    if binary:
        features = (features != 0).astype(np.float64)
    if sample_weight is not None:
        features = sparse.diags(np.asarray(sample_weight, dtype=np.float64)) @ features
    positive = alpha + np.asarray(features[labels == 1].sum(axis=0)).ravel()
    negative = alpha + np.asarray(features[labels == 0].sum(axis=0)).ravel()
    ratio: np.ndarray = np.log((positive / positive.sum()) / (negative / negative.sum()))
    return ratio


def _sigmoid(values: np.ndarray) -> np.ndarray:
    probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-values))
    return probabilities


class ToxicityClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    def __init__(
        self,
        C: float = 8.0,
        fine_C: float = 4.0,
        nb_alpha: float = 1.0,
        max_iter: int = 1000,
        fine_balanced: bool = True,
        nb_binary: bool = True,
        fine_bags: int = 1,
        fine_bag_fraction: float = 0.5,
        source_intercepts: float = 0.0,
    ) -> None:
        self.C = C
        self.fine_C = fine_C
        self.fine_balanced = fine_balanced
        self.nb_alpha = nb_alpha
        self.nb_binary = nb_binary
        self.max_iter = max_iter
        self.fine_bags = fine_bags
        self.fine_bag_fraction = fine_bag_fraction
        self.source_intercepts = source_intercepts

    def fit(
        self,
        X: sparse.spmatrix,
        y: npt.ArrayLike,
        fine: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
        sources: Sequence[str] | None = None,
    ) -> "ToxicityClassifier":
        """``sample_weight``: how much each text counts (a source's weight); the
        classes stay balanced over the weighted texts. ``sources``: where each text
        comes from, for the source intercepts."""
        X = sparse.csr_matrix(X)
        y = np.asarray(y, dtype=int)
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.classes_ = np.array([0, 1])
        columns = X.shape[1]
        trained = self._with_source_columns(X, sources)
        plain = self._logistic(self.C).fit(trained, y, sample_weight=weight)
        ratio = nb_log_count_ratio(trained, y, self.nb_alpha, self.nb_binary, weight)
        scaled = self._logistic(self.C).fit(trained.multiply(ratio).tocsr(), y, sample_weight=weight)
        self.coef_ = ((plain.coef_[0] + scaled.coef_[0] * ratio) / 2)[:columns].reshape(1, -1)
        self.intercept_ = np.array([(plain.intercept_[0] + scaled.intercept_[0]) / 2])
        self.calibration_ = np.array([1.0, 0.0])
        self.label_threshold_ = 0.5
        self._fit_fine(X, y, fine, weight)
        return self

    def _with_source_columns(self, X: sparse.csr_matrix, sources: Sequence[str] | None) -> sparse.csr_matrix:
        """``X`` with one column per source, ``source_intercepts`` in its texts' rows;
        ``X`` itself when off or all texts come from one source."""
        if sources is None or self.source_intercepts <= 0:
            return X
        names = sorted(set(sources))
        if len(names) < 2:
            return X
        index = {name: column for column, name in enumerate(names)}
        indicators = sparse.csr_matrix(
            (
                np.full(X.shape[0], float(self.source_intercepts)),
                (np.arange(X.shape[0]), [index[source] for source in sources]),
            ),
            shape=(X.shape[0], len(names)),
        )
        return sparse.hstack([X, indicators], format="csr")

    def _logistic(self, C: float) -> LogisticRegression:
        return LogisticRegression(C=C, class_weight="balanced", max_iter=self.max_iter, tol=1e-3)

    def _fit_fine(
        self,
        X: sparse.csr_matrix,
        y: np.ndarray,
        fine: npt.ArrayLike | None,
        weight: np.ndarray | None = None,
    ) -> None:
        self.fine_labels_: list[str] = []
        self.fine_coef_ = np.zeros((0, X.shape[1]))
        self.fine_intercept_ = np.zeros(0)
        if fine is None:
            return
        fine = np.asarray(fine, dtype=object)
        rows = np.flatnonzero((y == 1) & ~np.isin(fine, list(NOT_OFFENSIVE_FINE)))
        labels = sorted(set(fine[rows]))
        if len(labels) == 1:
            self.fine_labels_ = labels
            self.fine_coef_ = np.zeros((1, X.shape[1]))
            self.fine_intercept_ = np.zeros(1)
        elif len(labels) > 1:
            if self.fine_bags > 1:
                # Fixed seed: the same data gives the same model.
                random = np.random.default_rng(0)
                by_label = [rows[fine[rows] == label] for label in labels]

                def sample() -> np.ndarray:
                    """``fine_bag_fraction`` of each label's rows."""
                    size = [max(1, int(self.fine_bag_fraction * len(part))) for part in by_label]
                    picked = [
                        random.choice(part, n, replace=False) for part, n in zip(by_label, size, strict=True)
                    ]
                    return np.sort(np.concatenate(picked))

                heads = [self._fine_head(X, fine, sample(), weight) for _ in range(self.fine_bags)]
                coef = np.mean([head[0] for head in heads], axis=0)
                intercept = np.mean([head[1] for head in heads], axis=0)
            else:
                coef, intercept = self._fine_head(X, fine, rows, weight)
            self.fine_labels_ = [str(label) for label in labels]
            self.fine_coef_ = coef
            self.fine_intercept_ = intercept
        # Dense rows of a vocabulary's width: float32 halves the memory of a worker.
        self.fine_coef_ = self.fine_coef_.astype(np.float32)

    def _fine_head(
        self, X: sparse.csr_matrix, fine: np.ndarray, rows: np.ndarray, weight: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """A multinomial logistic regression on ``rows``: one row of coefficients and one
        intercept per fine label (sorted)."""
        head = LogisticRegression(
            C=self.fine_C,
            class_weight="balanced" if self.fine_balanced else None,
            max_iter=self.max_iter,
            tol=1e-3,
        )
        head.fit(X[rows], fine[rows].astype(str), sample_weight=None if weight is None else weight[rows])
        if len(head.classes_) == 2:  # scikit-learn keeps one row for two classes
            return (
                np.vstack([-head.coef_[0] / 2, head.coef_[0] / 2]),
                np.array([-head.intercept_[0] / 2, head.intercept_[0] / 2]),
            )
        return head.coef_, head.intercept_

    def decision_function(self, X: sparse.spmatrix) -> np.ndarray:
        """The uncalibrated log-odds of "offensive"."""
        return np.asarray(X @ self.coef_[0] + self.intercept_[0]).ravel()

    def calibrate(
        self, decisions: np.ndarray, labels: Sequence[int], sample_weight: npt.ArrayLike | None = None
    ) -> None:
        """Platt scaling on decisions the model has not been trained on (out-of-fold),
        each text counted with its training weight."""
        platt = LogisticRegression(C=1e4, max_iter=1000)
        platt.fit(np.asarray(decisions).reshape(-1, 1), np.asarray(labels), sample_weight=sample_weight)
        self.calibration_ = np.array([platt.coef_[0, 0], platt.intercept_[0]])

    def calibrated(self, decisions: np.ndarray) -> np.ndarray:
        slope, offset = self.calibration_
        return _sigmoid(slope * decisions + offset)

    def predict_proba(self, X: sparse.spmatrix) -> np.ndarray:
        positive = self.calibrated(self.decision_function(X))
        return np.column_stack([1 - positive, positive])

    def predict(self, X: sparse.spmatrix) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def fine_given_offensive(self, X: sparse.spmatrix) -> np.ndarray:
        """P(fine label | offensive), one column per ``fine_labels_``."""
        if not self.fine_labels_:
            return np.zeros((X.shape[0], 0))
        logits = np.asarray(X @ self.fine_coef_.T.astype(np.float64)) + self.fine_intercept_
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        probabilities: np.ndarray = odds / odds.sum(axis=1, keepdims=True)
        return probabilities

    def params_summary(self) -> dict[str, Any]:
        return {
            "C": self.C,
            "fine_C": self.fine_C,
            "nb_alpha": self.nb_alpha,
            "nb_binary": self.nb_binary,
            "fine_bags": self.fine_bags,
            "source_intercepts": self.source_intercepts,
        }
