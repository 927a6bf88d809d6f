"""Measures of a model: the GermEval "average F", macro-F1, ROC-AUC, calibration,
fine-label measures, cross-validation and the policy thresholds they recommend."""

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.utils.parallel import Parallel, delayed

from moderation.classifier.data import Dataset
from moderation.classifier.estimator import NOT_OFFENSIVE_FINE
from moderation.classifier.model import ToxicityModel, fit

# A comment is labelled offensive at a calibrated probability of at least this.
LABEL_THRESHOLD = 0.5
Progress = Callable[[int, int], None]
# The least gain in out-of-fold fine macro-F1 for which a fine label gets a minimum.
FINE_MINIMUM_GAIN = 0.005


def germeval_f1(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """The GermEval 2018 measure: harmonic mean of macro precision and macro recall."""
    precision = precision_score(y_true, y_pred, average="macro", zero_division=0)
    recall = recall_score(y_true, y_pred, average="macro", zero_division=0)
    return 0.0 if precision + recall == 0 else float(2 * precision * recall / (precision + recall))


def binary_metrics(
    labels: npt.ArrayLike, scores: np.ndarray, threshold: float | np.ndarray = LABEL_THRESHOLD
) -> dict[str, float | None]:
    """Measures of scores; a text is labelled offensive from ``threshold`` on (one
    value, or one per text). ROC-AUC is None for texts of one class (JSON has no NaN,
    and the metrics are stored as JSON)."""
    y_true = np.asarray(labels)
    y_pred = (np.asarray(scores) >= threshold).astype(int)
    both = len(set(y_true.tolist())) == 2
    return {
        "n": len(y_true),
        "macro_f1": round(float(f1_score(y_true, y_pred, average="macro", zero_division=0)), 4),
        "germeval_f1": round(germeval_f1(y_true, y_pred), 4),
        "roc_auc": round(float(roc_auc_score(y_true, scores)), 4) if both else None,
    }


def fine_predictions(
    scores: np.ndarray,
    fine_given: np.ndarray,
    fine_labels: Sequence[str],
    true_fine: Sequence[str],
    threshold: float | np.ndarray = LABEL_THRESHOLD,
    minimums: dict[str, float] | None = None,
) -> list[str]:
    """The fine label predicted for each text, within the label scheme of ``true_fine``:
    its non-offensive label below the threshold, else the likeliest of its offensive
    labels (a model trained on several schemes chooses within the evaluated one).
    ``minimums`` (see ``choose_fine_minimums``) name, per label, the fine score
    P(offensive) · P(label | offensive) a text needs for that label; a text that reaches
    no label's minimum gets the likeliest label without one."""
    present = set(true_fine)
    negative = next((label for label in present if label in NOT_OFFENSIVE_FINE), "OTHER")
    columns = [i for i, label in enumerate(fine_labels) if label in present and label != negative]
    floors = np.array([(minimums or {}).get(fine_labels[i], 0.0) for i in columns])
    unbounded = [i for i, floor in zip(columns, floors, strict=True) if floor <= 0] or columns
    thresholds = np.broadcast_to(np.asarray(threshold, dtype=float), np.shape(scores))
    predictions = []
    for score, limit, row in zip(scores, thresholds, fine_given, strict=True):
        if score < limit or not columns:
            predictions.append(negative)
            continue
        qualified = [i for i, floor in zip(columns, floors, strict=True) if score * row[i] >= floor]
        predictions.append(fine_labels[max(qualified or unbounded, key=lambda i: row[i])])
    return predictions


def choose_fine_minimums(
    scores: np.ndarray,
    fine_given: np.ndarray,
    fine_labels: Sequence[str],
    true_fine: Sequence[str],
    threshold: float | np.ndarray = LABEL_THRESHOLD,
) -> dict[str, float]:
    """Per offensive fine label of the scheme of ``true_fine``, the fine score a text
    needs for that label, chosen on out-of-fold scores for the best fine macro-F1
    (label by label, smoothed over ±0.02 like ``choose_label_threshold``; 0 = none).
    A minimum is kept only where it gains at least ``FINE_MINIMUM_GAIN``: smaller gains
    are within the noise of cross-validation and would not carry over.
    A rare label confused with a frequent one (Davidson's hate with offensive) gains
    precision from it: the likeliest label is not always worth predicting."""
    present = set(true_fine)
    negative = next((label for label in present if label in NOT_OFFENSIVE_FINE), "OTHER")
    labels = [label for label in fine_labels if label in present and label != negative]
    minimums = {str(label): 0.0 for label in labels}
    if len(labels) < 2:
        return minimums
    grid = np.round(np.arange(0.0, 0.91, 0.01), 2)
    for label in labels:
        values = []
        for cut in grid:
            predicted = fine_predictions(
                scores, fine_given, fine_labels, true_fine, threshold, {**minimums, label: float(cut)}
            )
            values.append(f1_score(true_fine, predicted, average="macro", zero_division=0))
        padded = np.pad(np.array(values), 2, mode="edge")
        smoothed = np.convolve(padded, np.ones(5) / 5, mode="valid")
        best = int(np.argmax(smoothed))
        if smoothed[best] >= values[0] + FINE_MINIMUM_GAIN:
            minimums[label] = float(grid[best])
    return minimums


def fine_metrics(true_fine: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    return {
        "fine_macro_f1": round(float(f1_score(true_fine, predicted, average="macro", zero_division=0)), 4),
        "fine_germeval_f1": round(germeval_f1(true_fine, predicted), 4),
    }


def has_fine_labels(dataset: Dataset) -> bool:
    offensive_fine = {f for f, label in zip(dataset.fine, dataset.labels, strict=True) if label}
    return bool(offensive_fine) and "" not in offensive_fine and len(offensive_fine) > 1


def choose_label_threshold(labels: npt.ArrayLike, scores: np.ndarray) -> float:
    """The probability from which to label a text offensive: the best macro average F
    on out-of-fold scores, smoothed over ±0.02 so that one lucky cut does not decide;
    0.5 without both classes."""
    y = np.asarray(labels)
    if len(set(y.tolist())) < 2:
        return LABEL_THRESHOLD
    grid = np.round(np.arange(0.2, 0.71, 0.01), 2)
    values = np.array([germeval_f1(y, (scores >= cut).astype(int)) for cut in grid])
    smoothed = np.convolve(values, np.ones(5) / 5, mode="same")
    smoothed[:2] = smoothed[-2:] = 0  # incomplete windows at the edges
    return float(grid[int(np.argmax(smoothed))])


def calibration_metrics(labels: npt.ArrayLike, scores: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Brier score, expected calibration error and a reliability table (per bin of
    predicted probability: mean prediction, observed share offensive, count)."""
    y = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    table = []
    error = 0.0
    for number in range(bins):
        mask = which == number
        if not mask.any():
            continue
        predicted, observed = float(scores[mask].mean()), float(y[mask].mean())
        error += mask.sum() / len(y) * abs(predicted - observed)
        table.append([round(predicted, 3), round(observed, 3), int(mask.sum())])
    return {
        "brier": round(float(np.mean((scores - y) ** 2)), 4),
        "ece": round(error, 4),
        "reliability": table,
    }


# Shares of offensive comments for which thresholds and the automatic share are
# stored with a model (1 % to 50 %): a news site's comments are far less often
# offensive than GermEval's tweets (34 %). Reports name the REPORTED_PREVALENCES.
SITE_PREVALENCES = tuple(round(percent / 100, 2) for percent in range(1, 51))
REPORTED_PREVALENCES = (0.05, 0.10, 0.20)
# The score from which a comment counts as flagged when a site's mix is estimated.
SITE_MIX_CUT = 0.5
# Whatever the mix, a comment scored this high is never published without a human
# (where 2 % or fewer are offensive, the 2 % rule alone would publish everything).
PUBLISH_BELOW_CAP = 0.5


# The default policy, chosen on news comments (GermEval 2021's out-of-fold scores,
# docs/classifier.md) for a site of which DEFAULT_SITE_PREVALENCE of the comments are
# offensive: publish where at most DEFAULT_MAX_OFFENSIVE_PUBLISHED of the published
# are offensive (the classes weighted to the site's mix: 57 % of such a site's
# comments published, 4.9 % of them offensive, instead of the 10 % without the model);
# reject where at least DEFAULT_MIN_REJECT_PRECISION of the rejected are offensive at
# the labelled data's own mix (``reject_at_labelled_mix``). Every recommendation, the
# site-mix table included, uses these rules, so a site's own estimate changes the
# mix, not the rules. (GermEval's tweets are one third offensive; at that mix and
# 2 % / 95 % rules the model published below 0.018 and held nearly every civil comment.)
DEFAULT_SITE_PREVALENCE = 0.10
DEFAULT_MAX_OFFENSIVE_PUBLISHED = 0.05
DEFAULT_MIN_REJECT_PRECISION = 0.90


# How far above its observed value a rare count is taken to be, in standard
# deviations: chosen on GermEval's out-of-fold scores, where thresholds chosen on one
# half and applied to the other kept 1.5 % offensive among the published and 95.9 %
# precision among the rejected (with the observed counts: 2.3 % and 94.9 %).
COUNT_SIGMAS = 0.5


def _count_upper(count: np.ndarray) -> np.ndarray:
    """An upper bound of a count of rare events, ``COUNT_SIGMAS`` above it (Gehrels'
    1986 approximation of the Poisson bound, sound for counts down to zero): the
    thresholds meet their targets on new comments too, not only on the texts they were
    chosen on."""
    above = np.asarray(count, dtype=float) + 1
    upper: np.ndarray = above * (1 - 1 / (9 * above) + COUNT_SIGMAS / (3 * np.sqrt(above))) ** 3
    return upper


def class_weights(labels: np.ndarray, prevalence: float) -> dict[int, float]:
    """Weights of the offensive (1) and the other (0) texts under which ``prevalence``
    of them are offensive; the weights of all texts still sum to their number."""
    observed = float(np.mean(labels))
    if not 0 < observed < 1:
        raise ValueError("weighting to a prevalence needs texts of both classes")
    return {1: prevalence / observed, 0: (1 - prevalence) / (1 - observed)}


def recommend_thresholds(
    labels: npt.ArrayLike,
    scores: np.ndarray,
    *,
    max_offensive_published: float = DEFAULT_MAX_OFFENSIVE_PUBLISHED,
    min_reject_precision: float = DEFAULT_MIN_REJECT_PRECISION,
    min_rejected: int = 20,
    prevalence: float | None = None,
    reject_at_labelled_mix: bool = True,
) -> dict[str, float]:
    """Policy thresholds from out-of-fold scores.

    ``publish_below``: the highest threshold at which at most ``max_offensive_published``
    of the comments scored below it are offensive, at most ``PUBLISH_BELOW_CAP``. ``reject_above``: the lowest
    threshold at which at least ``min_reject_precision`` of the comments scored at or
    above it are offensive (and at least ``min_rejected`` are). Both count the rare
    kind (offensive below, acceptable above) by its upper bound (``_count_upper``).
    Also the shares of comments each would publish, reject and leave to a human.

    ``prevalence``: the thresholds and shares for comments of which that share is
    offensive, the offensive and the other texts weighted to it (each class scored as
    in the data, only their mix differs). With ``reject_at_labelled_mix`` the reject
    threshold's precision is counted at the data's own mix all the same: weighted to
    a news site's lower share, no threshold reaches 90 % on news comments, because the
    few acceptable-labelled texts that score highest (most of them insults or calls to
    violence labelled acceptable) are multiplied with the weight of the acceptable
    class. The shares reported (``precision_of_rejected`` included) are weighted to
    ``prevalence`` either way, so the precision a site can expect stays visible.
    """
    y = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    weight = {1: 1.0, 0: 1.0} if prevalence is None else class_weights(y, prevalence)
    order = np.argsort(scores, kind="stable")
    sorted_scores, sorted_y = scores[order], y[order]
    n = len(y)
    offensive_below = np.concatenate([[0], np.cumsum(sorted_y)])  # among the k lowest
    other_below = np.arange(n + 1) - offensive_below
    # Candidates on a grid of four decimals, so the stored thresholds are the tested ones.
    publish_grid = np.unique(np.concatenate([np.floor(scores * 1e4) / 1e4, [1.0]]))
    below = np.searchsorted(sorted_scores, publish_grid, side="left")
    offensive = weight[1] * _count_upper(offensive_below[below])
    rate = offensive / (offensive + weight[0] * other_below[below])
    allowed = publish_grid[(rate <= max_offensive_published) & (below > 0)]
    publish_below = float(allowed.max()) if len(allowed) else 0.0
    reject_grid = np.unique(np.concatenate([np.ceil(scores * 1e4) / 1e4, [1.0]]))
    at_or_above = n - np.searchsorted(sorted_scores, reject_grid, side="left")
    reject_weight = {1: 1.0, 0: 1.0} if reject_at_labelled_mix else weight
    offensive = reject_weight[1] * (offensive_below[n] - offensive_below[n - at_or_above])
    other = reject_weight[0] * _count_upper(other_below[n] - other_below[n - at_or_above])
    precision = offensive / np.maximum(offensive + other, 1e-12)
    allowed = reject_grid[(at_or_above >= min_rejected) & (precision >= min_reject_precision)]
    reject_above = float(allowed.min()) if len(allowed) else 1.0
    publish_below = min(publish_below, reject_above, PUBLISH_BELOW_CAP)
    text_weights = np.where(y == 1, weight[1], weight[0])
    is_published = scores < publish_below
    is_rejected = scores >= reject_above

    def offensive_share(rows: np.ndarray, empty: float) -> float:
        return round(float(np.average(y[rows], weights=text_weights[rows])) if rows.any() else empty, 4)

    published = float(np.average(is_published, weights=text_weights))
    rejected = float(np.average(is_rejected, weights=text_weights))
    result = {
        "publish_below": publish_below,
        "reject_above": reject_above,
        "published_share": round(published, 4),
        "rejected_share": round(rejected, 4),
        "held_share": round(1 - published - rejected, 4),
        "automatic_share": round(published + rejected, 4),
        "offensive_among_published": offensive_share(is_published, 0.0),
        "precision_of_rejected": offensive_share(is_rejected, 1.0),
    }
    if prevalence is not None:
        result = {"prevalence": prevalence, **result}
    return result


def automatic_share_by_prevalence(
    labels: npt.ArrayLike, scores: np.ndarray, prevalences: Iterable[float] = SITE_PREVALENCES
) -> list[dict[str, float]]:
    """``recommend_thresholds`` for sites whose comments are offensive in each of
    ``prevalences`` of cases: how much such a site would decide without a human, at
    thresholds chosen for it under the default rules (``DEFAULT_MAX_OFFENSIVE_PUBLISHED``,
    ``DEFAULT_MIN_REJECT_PRECISION``)."""
    return [recommend_thresholds(labels, scores, prevalence=prevalence) for prevalence in prevalences]


# The rows of a trade-off table: shares of comments published without a human, and
# shares of the highest-scored comments that moderators review.
TRADEOFF_PUBLISHED = tuple(round(percent / 100, 2) for percent in range(10, 81, 10))
TRADEOFF_REVIEWED = (0.10, 0.20, 0.30)


def tradeoff(
    labels: npt.ArrayLike, scores: np.ndarray, *, prevalence: float = DEFAULT_SITE_PREVALENCE
) -> dict[str, Any]:
    """What a site of which ``prevalence`` of the comments are offensive trades when it
    decides more without a human, read off labelled scores (the offensive and the other
    texts weighted to that mix, as ``recommend_thresholds`` does).

    ``published``: for each share of ``TRADEOFF_PUBLISHED``, the lowest threshold
    ``publish_below`` (on a grid of four decimals) below which at least that share of
    the comments scores, the share it publishes and the share of offensive comments
    among them. ``reviewed``: for each share of ``TRADEOFF_REVIEWED``, moderators
    review the comments scored from ``review_from`` on (the highest such threshold
    giving them at least that share): the share they review, the share of all
    offensive comments among those (``offensive_caught``) and the share offensive
    among them. The shares are of the thresholds given, so they can differ from the
    targets where scores tie. Raises ValueError for texts of one class."""
    y = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    weight = class_weights(y, prevalence)
    weights = np.where(y == 1, weight[1], weight[0])
    total, offensive = weights.sum(), y == 1
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    below_weight = np.concatenate([[0.0], np.cumsum(weights[order])])  # of the k lowest

    def share(rows: np.ndarray) -> float:
        return round(float(weights[rows].sum() / total), 4)

    def offensive_among(rows: np.ndarray) -> float:  # rows is never empty: every target is > 0
        return round(float(weights[rows & offensive].sum() / weights[rows].sum()), 4)

    # Candidates on a grid of four decimals, each just above a score (so it publishes it).
    publish_grid = np.unique(np.round(np.floor(scores * 1e4) / 1e4 + 1e-4, 4))
    published_share = below_weight[np.searchsorted(sorted_scores, publish_grid, side="left")] / total
    published = []
    for target in TRADEOFF_PUBLISHED:
        cut = float(publish_grid[np.searchsorted(published_share, target - 1e-9)])
        rows = scores < cut
        published.append(
            {
                "share": target,
                "publish_below": cut,
                "published_share": share(rows),
                "offensive_among_published": offensive_among(rows),
            }
        )

    review_grid = np.unique(np.round(np.floor(scores * 1e4) / 1e4, 4))
    reviewed_share = (total - below_weight[np.searchsorted(sorted_scores, review_grid, side="left")]) / total
    reviewed = []
    for target in TRADEOFF_REVIEWED:
        # the share falls as the threshold rises: the last candidate that still reaches it
        cut = float(review_grid[np.flatnonzero(reviewed_share >= target - 1e-9).max()])
        rows = scores >= cut
        reviewed.append(
            {
                "share": target,
                "review_from": cut,
                "reviewed_share": share(rows),
                "offensive_caught": round(float((rows & offensive).sum() / offensive.sum()), 4),
                "offensive_among_reviewed": offensive_among(rows),
            }
        )
    return {"prevalence": prevalence, "published": published, "reviewed": reviewed}


def reported_prevalences(metrics: dict[str, Any]) -> list[dict[str, float]]:
    """The entries of a model's ``automatic_by_prevalence`` that reports name."""
    return [
        site
        for site in metrics.get("automatic_by_prevalence", [])
        if site["prevalence"] in REPORTED_PREVALENCES
    ]


def flag_rates(labels: npt.ArrayLike, scores: np.ndarray, cut: float = SITE_MIX_CUT) -> dict[str, float]:
    """How often offensive (``tpr``) and acceptable (``fpr``) texts score at or above
    ``cut``: what ``estimate_prevalence`` needs to read a site's mix off its scores."""
    y = np.asarray(labels)
    flagged = np.asarray(scores) >= cut
    return {
        "cut": cut,
        "tpr": round(float(flagged[y == 1].mean()), 4),
        "fpr": round(float(flagged[y == 0].mean()), 4),
    }


def estimate_prevalence(flagged_share: float, rates: dict[str, float]) -> float:
    """The share of offensive comments among a site's, from the share its model
    flagged (adjusted classify and count: the flagged share mixes true and false
    flags at the rates measured out of fold, so the mix is solved for)."""
    spread = rates["tpr"] - rates["fpr"]
    if spread <= 0:
        return flagged_share
    return float(np.clip((flagged_share - rates["fpr"]) / spread, 0.0, 1.0))


def fit_dataset(dataset: Dataset, params: dict[str, Any] | None = None) -> ToxicityModel:
    """A model fitted on ``dataset``, each text with its label, fine label, weight and
    source; uncalibrated."""
    return fit(
        dataset.texts,
        dataset.labels,
        params,
        fine=dataset.fine,
        sample_weight=dataset.weights,
        sources=dataset.origins,
    )


def fit_rows(
    dataset: Dataset, rows: Iterable[int] | np.ndarray, params: dict[str, Any] | None = None
) -> ToxicityModel:
    """A model fitted on the ``rows`` of ``dataset``."""
    return fit_dataset(dataset.rows(int(row) for row in rows), params)


@dataclass
class OutOfFold:
    """Cross-validated predictions for every text of a dataset."""

    decisions: np.ndarray  # uncalibrated log-odds
    languages: list[str]  # the language pipeline that scored each text
    fine_labels: list[str]
    fine_given: np.ndarray  # P(fine label | offensive), one column per fine_labels


def cross_validate(
    dataset: Dataset,
    params: dict[str, Any] | None = None,
    folds: int = 5,
    progress: Progress | None = None,
    seed: int = 42,
    n_jobs: int | None = None,
) -> OutOfFold:
    """Out-of-fold decisions and fine-label probabilities from ``folds`` stratified
    splits (stratified on origin and label, so each fold has its share of each dataset),
    fitted in parallel on up to ``n_jobs`` cores (default: all, at most 2 for memory)."""
    n_jobs = n_jobs or min(2, os.cpu_count() or 1)
    texts = list(dataset.texts)
    strata = [f"{origin}/{label}" for origin, label in zip(dataset.origins, dataset.labels, strict=True)]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(texts, strata))

    def one_fold(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, Any, Any, list[str], np.ndarray]:
        model = fit_rows(dataset, train, params)
        test_texts = [texts[i] for i in test]
        return (
            test,
            model.decisions(test_texts),
            model.languages_of(test_texts),
            model.fine_labels,
            model.fine_given(test_texts),
        )

    decisions = np.zeros(len(texts))
    languages = [""] * len(texts)
    per_fold: list[tuple[np.ndarray, list[str], np.ndarray]] = []
    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(one_fold)(train, test) for train, test in splits
    )
    for number, (test, fold_decisions, fold_languages, fold_labels, fold_given) in enumerate(
        results, start=1
    ):
        decisions[test] = fold_decisions
        for row, language in zip(test, fold_languages, strict=True):
            languages[row] = language
        per_fold.append((test, fold_labels, fold_given))
        if progress:
            progress(number, folds)
    labels = sorted({label for _, fold_labels, _ in per_fold for label in fold_labels})
    fine_given = np.zeros((len(texts), len(labels)))
    for test, fold_labels, probabilities in per_fold:
        for column, label in enumerate(fold_labels):
            fine_given[test, labels.index(label)] = probabilities[:, column]
    return OutOfFold(decisions=decisions, languages=languages, fine_labels=labels, fine_given=fine_given)


def label_thresholds(out_of_fold: OutOfFold, scores: np.ndarray, labels: npt.ArrayLike) -> dict[str, float]:
    """``choose_label_threshold`` per language, on the out-of-fold scores."""
    y = np.asarray(labels)
    languages = np.asarray(out_of_fold.languages, dtype=object)
    return {
        language: choose_label_threshold(y[languages == language], scores[languages == language])
        for language in sorted(set(out_of_fold.languages))
    }


def calibrated_scores(out_of_fold: OutOfFold, calibrations: dict[str, np.ndarray]) -> np.ndarray:
    """Out-of-fold probabilities under per-language Platt calibrations."""
    return calibrated(out_of_fold.decisions, out_of_fold.languages, calibrations)


def calibrated(
    decisions: np.ndarray, languages: Sequence[str], calibrations: dict[str, np.ndarray]
) -> np.ndarray:
    """Probabilities of uncalibrated ``decisions``, each under its language's Platt
    slope and offset."""
    scores = np.zeros(len(decisions))
    routes = np.asarray(languages, dtype=object)
    for language, (slope, offset) in calibrations.items():
        rows = routes == language
        scores[rows] = 1.0 / (1.0 + np.exp(-(slope * np.asarray(decisions)[rows] + offset)))
    return scores


def dataset_metrics(
    dataset: Dataset,
    scores: np.ndarray,
    fine_labels: Sequence[str],
    fine_given: np.ndarray,
    thresholds: float | np.ndarray = LABEL_THRESHOLD,
    minimums: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Coarse measures, fine ones where the data has fine labels, and calibration."""
    metrics: dict[str, Any] = binary_metrics(dataset.labels, scores, thresholds)
    if has_fine_labels(dataset):
        predicted = fine_predictions(scores, fine_given, fine_labels, dataset.fine, thresholds, minimums)
        metrics.update(fine_metrics(dataset.fine, predicted))
    metrics["calibration"] = calibration_metrics(dataset.labels, scores)
    return metrics


def metrics_by_origin(
    dataset: Dataset,
    scores: np.ndarray,
    fine_labels: Sequence[str],
    fine_given: np.ndarray,
    thresholds: float | np.ndarray = LABEL_THRESHOLD,
    minimums: dict[str, float] | None = None,
) -> dict[str, dict[str, Any]]:
    result = {}
    origins = np.asarray(dataset.origins)
    per_text = np.broadcast_to(np.asarray(thresholds, dtype=float), np.shape(scores))
    for origin in dataset.parts():
        rows = np.flatnonzero(origins == origin)
        result[origin] = dataset_metrics(
            dataset.subset(origin), scores[rows], fine_labels, fine_given[rows], per_text[rows], minimums
        )
    return result


def fine_minimums_by_origin(
    dataset: Dataset,
    scores: np.ndarray,
    fine_labels: Sequence[str],
    fine_given: np.ndarray,
    thresholds: float | np.ndarray = LABEL_THRESHOLD,
) -> dict[str, float]:
    """``choose_fine_minimums`` for each dataset with fine labels, in one mapping; a
    label scheme that several datasets share (GermEval's and the cold-start corpus')
    keeps the minimums of the first of them."""
    result: dict[str, float] = {}
    origins = np.asarray(dataset.origins)
    per_text = np.broadcast_to(np.asarray(thresholds, dtype=float), np.shape(scores))
    for origin in dataset.parts():
        part = dataset.subset(origin)
        if has_fine_labels(part):
            rows = np.flatnonzero(origins == origin)
            chosen = choose_fine_minimums(
                scores[rows], fine_given[rows], fine_labels, part.fine, per_text[rows]
            )
            for label, minimum in chosen.items():
                result.setdefault(str(label), minimum)
    return result


def baseline_cross_validated(dataset: Dataset, folds: int = 5, seed: int = 42) -> dict[str, dict[str, Any]]:
    """A plain baseline in the same folds, trained on each dataset on its own:
    ``TfidfVectorizer()`` with its defaults and ``LogisticRegression(class_weight=
    "balanced")`` for the coarse label and, on data with fine labels, a second one for
    the fine label; labelled offensive from a probability of 0.5."""
    texts = list(dataset.texts)
    y = np.asarray(dataset.labels)
    fine = np.asarray(dataset.fine, dtype=object)
    origins = np.asarray(dataset.origins)
    strata = [f"{origin}/{label}" for origin, label in zip(dataset.origins, dataset.labels, strict=True)]
    scores = np.zeros(len(texts))
    fine_predicted = np.array([""] * len(texts), dtype=object)
    with_fine = {origin for origin in dataset.parts() if has_fine_labels(dataset.subset(origin))}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)

    def plain() -> Any:
        return make_pipeline(TfidfVectorizer(), LogisticRegression(class_weight="balanced", max_iter=1000))

    for all_train, all_test in splitter.split(texts, strata):
        for origin in dataset.parts():
            train, test = all_train[origins[all_train] == origin], all_test[origins[all_test] == origin]
            model = plain().fit([texts[i] for i in train], y[train])
            scores[test] = model.predict_proba([texts[i] for i in test])[:, 1]
            if origin in with_fine:
                fine_model = plain().fit([texts[i] for i in train], fine[train].astype(str))
                fine_predicted[test] = fine_model.predict([texts[i] for i in test])
    result = {}
    for origin in dataset.parts():
        rows = np.flatnonzero(origins == origin)
        metrics: dict[str, Any] = binary_metrics(y[rows], scores[rows])
        if origin in with_fine:
            metrics.update(fine_metrics(list(fine[rows]), list(fine_predicted[rows])))
        result[origin] = metrics
    return result


# Datasets that leave-one-source-out does not test on: the cold-start corpus was
# written for the project and says little about real comments; Davidson's English
# tweets left out leave the English model without training data.
LOSO_SKIPPED = ("coldstart", "davidson2017")


def loso_sources(dataset: Dataset, skip: Sequence[str] = LOSO_SKIPPED) -> list[str]:
    """The datasets leave-one-source-out tests on: those not in ``skip`` whose rows
    and whose complement both have texts of both classes."""
    origins = np.asarray(dataset.origins)
    y = np.asarray(dataset.labels)
    return [
        origin
        for origin in dataset.parts()
        if origin not in skip
        and len(set(y[origins == origin].tolist())) == 2
        and len(set(y[origins != origin].tolist())) == 2
    ]


def leave_one_source_out(
    dataset: Dataset,
    params: dict[str, Any] | None = None,
    progress: Progress | None = None,
    skip: Sequence[str] = LOSO_SKIPPED,
) -> dict[str, dict[str, Any]]:
    """How the model does on a kind of text it was not trained on: for each dataset
    of ``loso_sources``, a model fitted on all the other rows scores that dataset's rows.

    Per dataset: ``binary_metrics`` (n, macro-F1, average F, ROC-AUC) with a text
    labelled offensive where its uncalibrated decision (log-odds) is at least 0, the
    training having weighed the two classes equally, and ``n_train``. That label rule
    needs no calibration, which would take a cross-validation of each training part;
    ROC-AUC does not depend on it. ``progress(done, total)`` after each dataset."""
    origins = np.asarray(dataset.origins)
    y = np.asarray(dataset.labels)
    tested = loso_sources(dataset, skip)
    result = {}
    for number, origin in enumerate(tested, start=1):
        train, test = np.flatnonzero(origins != origin), np.flatnonzero(origins == origin)
        model = fit_rows(dataset, train, params)
        decisions = model.decisions([dataset.texts[i] for i in test])
        result[origin] = {**binary_metrics(y[test], decisions, threshold=0.0), "n_train": len(train)}
        if progress:
            progress(number, len(tested))
    return result


def development_cross_validate(
    dataset: Dataset,
    development: str,
    params: dict[str, Any] | None = None,
    folds: int = 5,
    progress: Progress | None = None,
    seed: int = 42,
) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold decisions (uncalibrated log-odds) and the language pipeline of each
    text of the ``development`` dataset: its rows split in ``folds`` stratified folds,
    each scored by a model fitted on the other folds and on every row of the other
    datasets, which are always in training (as they are for the model a site runs).
    ``progress(done, total)`` after each fold."""
    origins = np.asarray(dataset.origins)
    y = np.asarray(dataset.labels)
    rows, others = np.flatnonzero(origins == development), np.flatnonzero(origins != development)
    decisions = np.zeros(len(rows))
    languages = [""] * len(rows)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for number, (train_part, test_part) in enumerate(splitter.split(rows, y[rows]), start=1):
        train = np.concatenate([others, rows[train_part]])
        model = fit_rows(dataset, train, params)
        test_texts = [dataset.texts[i] for i in rows[test_part]]
        decisions[test_part] = model.decisions(test_texts)
        for position, language in zip(test_part, model.languages_of(test_texts), strict=True):
            languages[position] = language
        if progress:
            progress(number, folds)
    return decisions, languages
