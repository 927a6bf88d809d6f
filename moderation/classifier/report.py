"""An evaluation report: precision-recall and ROC curves, score histograms by label,
the confusion matrix at the policy thresholds and the share of comments decided
without a human by the site's mix, as PNG files and an HTML page."""

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from sklearn.metrics import precision_recall_curve, roc_curve

from moderation.classifier.evaluate import automatic_share_by_prevalence

DECISIONS = ("published", "held", "rejected")


def decision_matrix(
    labels: npt.ArrayLike, scores: np.ndarray, publish_below: float, reject_above: float
) -> np.ndarray:
    """Rows: acceptable, offensive; columns: published, held, rejected."""
    y = np.asarray(labels)
    decided = np.where(scores < publish_below, 0, np.where(scores >= reject_above, 2, 1))
    matrix = np.zeros((2, 3), dtype=int)
    for label, decision in zip(y, decided, strict=True):
        matrix[label, decision] += 1
    return matrix


def write_report(
    folder: Path,
    *,
    title: str,
    labels: Sequence[int],
    scores: np.ndarray,
    metrics: dict[str, Any],
    publish_below: float,
    reject_above: float,
) -> Path:
    """Write the charts and ``index.html`` into ``folder``; returns the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    y = np.asarray(labels)
    both = len(set(y.tolist())) == 2
    charts = []

    if both:
        precision, recall, _ = precision_recall_curve(y, scores)
        figure, axes = plt.subplots(figsize=(5, 4))
        axes.plot(recall, precision)
        axes.set(xlabel="recall", ylabel="precision", title="Precision–recall (offensive)", ylim=(0, 1.02))
        charts.append(_save(figure, folder / "precision_recall.png"))

        false_positive, true_positive, _ = roc_curve(y, scores)
        figure, axes = plt.subplots(figsize=(5, 4))
        axes.plot(false_positive, true_positive)
        axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
        axes.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
        charts.append(_save(figure, folder / "roc.png"))

    figure, axes = plt.subplots(figsize=(5, 4))
    bins = np.linspace(0, 1, 41).tolist()
    for value, name in ((0, "acceptable"), (1, "offensive")):
        if (y == value).any():
            axes.hist(scores[y == value], bins=bins, alpha=0.6, label=f"{name} ({int((y == value).sum())})")
    for threshold in (publish_below, reject_above):
        axes.axvline(threshold, color="black", linestyle="--", linewidth=1)
    axes.set(xlabel="score P(offensive)", ylabel="comments", title="Scores by label")
    axes.legend()
    charts.append(_save(figure, folder / "score_histogram.png"))

    matrix = decision_matrix(y, scores, publish_below, reject_above)
    figure, axes = plt.subplots(figsize=(5, 3))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(3), DECISIONS)
    axes.set_yticks(range(2), ["acceptable", "offensive"])
    for row in range(2):
        for column in range(3):
            dark = matrix[row, column] > matrix.max() / 2
            color = "white" if dark else "black"
            axes.text(column, row, str(matrix[row, column]), ha="center", va="center", color=color)
    axes.set_title(f"Decisions at publish < {publish_below:.3f}, reject ≥ {reject_above:.3f}")
    charts.append(_save(figure, folder / "confusion_matrix.png"))

    if both:
        charts.append(_site_mix_chart(folder / "automatic_by_site_mix.png", y, scores))

    rows = "".join(
        f"<tr><th>{html.escape(str(name))}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in metrics.items()
    )
    images = "".join(f'<figure><img src="{name}" alt="{name}"></figure>' for name in charts)
    page = folder / "index.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}figure{display:inline-block;margin:1em}"
        "th{text-align:left;padding-right:1em}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><table>{rows}</table>{images}</body></html>",
        encoding="utf-8",
    )
    return page


def _site_mix_chart(path: Path, labels: np.ndarray, scores: np.ndarray) -> str:
    """Published and rejected without a human, for sites where 5–50 % of comments
    are offensive, at thresholds chosen for each mix."""
    mixes = np.array([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5])
    chosen = automatic_share_by_prevalence(labels, scores, mixes)
    published = np.array([choice["published_share"] for choice in chosen]) * 100
    rejected = np.array([choice["rejected_share"] for choice in chosen]) * 100
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.stackplot(mixes * 100, published, rejected, labels=["published", "rejected"], alpha=0.7)
    axes.axvline(labels.mean() * 100, color="black", linestyle=":", linewidth=1, label="this data")
    axes.set(
        xlabel="offensive comments on the site (%)",
        ylabel="decided without a human (%)",
        title="Automatic decisions by the site's mix",
        ylim=(0, 100),
    )
    axes.legend()
    return _save(figure, path)


def _save(figure: Any, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path.name
