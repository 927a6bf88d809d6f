"""Evaluation reports as PNG files and an HTML page: for a model on labelled data,
precision-recall and ROC curves, score histograms by label, the confusion matrix at
the policy thresholds and the share of comments decided without a human by the
site's mix; across sources, leave-one-source-out ROC-AUC and the trade-off on the
development data. Also the trade-off as table rows and ``name: value`` lines."""

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
        charts.append(save_figure(figure, folder / "precision_recall.png"))

        false_positive, true_positive, _ = roc_curve(y, scores)
        figure, axes = plt.subplots(figsize=(5, 4))
        axes.plot(false_positive, true_positive)
        axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
        axes.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
        charts.append(save_figure(figure, folder / "roc.png"))

    figure, axes = plt.subplots(figsize=(5, 4))
    bins = np.linspace(0, 1, 41).tolist()
    for value, name in ((0, "acceptable"), (1, "offensive")):
        if (y == value).any():
            axes.hist(scores[y == value], bins=bins, alpha=0.6, label=f"{name} ({int((y == value).sum())})")
    for threshold in (publish_below, reject_above):
        axes.axvline(threshold, color="black", linestyle="--", linewidth=1)
    axes.set(xlabel="score P(offensive)", ylabel="comments", title="Scores by label")
    axes.legend()
    charts.append(save_figure(figure, folder / "score_histogram.png"))

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
    charts.append(save_figure(figure, folder / "confusion_matrix.png"))

    if both:
        charts.append(_site_mix_chart(folder / "automatic_by_site_mix.png", y, scores))

    rows = "".join(
        f"<tr><th>{html.escape(str(name))}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in metrics.items()
    )
    return write_page(folder, title, f"<table>{rows}</table>{_figures(charts)}")


def _figures(charts: list[str]) -> str:
    return "".join(f'<figure><img src="{name}" alt="{name}"></figure>' for name in charts)


def write_page(folder: Path, title: str, body: str) -> Path:
    """``folder/index.html``: a plain page titled ``title`` around ``body`` (HTML)."""
    page = folder / "index.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}figure{display:inline-block;margin:1em}"
        "th,td{text-align:left;padding-right:1em}table{margin-bottom:1em}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>",
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
    return save_figure(figure, path)


def save_figure(figure: Any, path: Path) -> str:
    """Write ``figure`` as a PNG to ``path`` and close it; the file name, for a page."""
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path.name


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def tradeoff_tables(result: dict[str, Any]) -> list[tuple[list[str], list[list[str]]]]:
    """The trade-off (``evaluate.tradeoff``) as two tables of header and rows of
    formatted cells: what publishing more costs, what reviewing more catches."""
    published = (
        ["published without a human", "publish below", "offensive among published"],
        [
            [
                _percent(row["published_share"]),
                f"{row['publish_below']:.4f}",
                _percent(row["offensive_among_published"]),
            ]
            for row in result["published"]
        ],
    )
    reviewed = (
        ["moderators review the top", "score from", "offensive caught", "offensive among reviewed"],
        [
            [
                _percent(row["reviewed_share"]),
                f"{row['review_from']:.4f}",
                _percent(row["offensive_caught"]),
                _percent(row["offensive_among_reviewed"]),
            ]
            for row in result["reviewed"]
        ],
    )
    return [published, reviewed]


def tradeoff_text(result: dict[str, Any]) -> list[str]:
    """The trade-off tables as aligned lines of text, for a terminal."""
    lines = [f"trade-off where {result['prevalence'] * 100:.0f} % of the comments are offensive:"]
    for header, rows in tradeoff_tables(result):
        widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
        for cells in (header, *rows):
            lines.append(
                "  " + "  ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True))
            )
    return lines


def tradeoff_lines(result: dict[str, Any]) -> list[str]:
    """The trade-off as ``name: value`` lines (``tradeoff.published_30.publish_below``,
    ``tradeoff.reviewed_top_10.offensive_caught``), one per figure."""
    lines = [f"tradeoff.prevalence: {result['prevalence']}"]
    for kind, prefix in (("published", "published_"), ("reviewed", "reviewed_top_")):
        for row in result[kind]:
            name = f"tradeoff.{prefix}{round(row['share'] * 100)}"
            lines += [f"{name}.{key}: {value}" for key, value in row.items() if key != "share"]
    return lines


def _tradeoff_html(result: dict[str, Any]) -> str:
    tables = []
    for header, rows in tradeoff_tables(result):
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
        )
        tables.append(f"<table><tr>{head}</tr>{body}</table>")
    return "".join(tables)


def write_cross_domain_report(
    folder: Path,
    *,
    title: str,
    loso: dict[str, dict[str, Any]],
    development: dict[str, Any],
) -> Path:
    """Write ``leave_one_source_out.png`` (ROC-AUC of each source when left out of
    training), ``tradeoff.png`` (the development data's trade-off) and ``index.html``
    with both tables into ``folder``; returns the page's path. ``development`` holds
    the development data's ``source``, ``metrics`` and ``tradeoff``."""
    folder.mkdir(parents=True, exist_ok=True)
    charts = []
    if loso:
        names = list(loso)
        figure, axes = plt.subplots(figsize=(max(5, 1.2 * len(names)), 4))
        values = [loso[name]["roc_auc"] for name in names]
        axes.bar(range(len(names)), values)
        axes.set_xticks(range(len(names)), names, rotation=20, ha="right")
        axes.axhline(0.5, color="grey", linestyle=":", linewidth=1, label="chance")
        for position, value in enumerate(values):
            axes.text(position, value + 0.01, f"{value:.3f}", ha="center")
        axes.set(ylabel="ROC-AUC", ylim=(0, 1.05), title="Each source left out of training")
        axes.legend()
        charts.append(save_figure(figure, folder / "leave_one_source_out.png"))

    result = development["tradeoff"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    left.plot(
        [row["published_share"] * 100 for row in result["published"]],
        [row["offensive_among_published"] * 100 for row in result["published"]],
        marker="o",
    )
    left.set(
        xlabel="published without a human (%)",
        ylabel="offensive among published (%)",
        title="Publishing more",
        ylim=(0, None),
    )
    right.bar(
        [f"top {row['reviewed_share'] * 100:.0f} %" for row in result["reviewed"]],
        [row["offensive_caught"] * 100 for row in result["reviewed"]],
    )
    right.set(ylabel="offensive comments caught (%)", title="Moderators review the riskiest", ylim=(0, 100))
    figure.suptitle(f"{development['source']}, weighted to {result['prevalence'] * 100:.0f} % offensive")
    charts.append(save_figure(figure, folder / "tradeoff.png"))

    columns = ["n", "n_train", "roc_auc", "macro_f1", "germeval_f1"]
    head = "".join(f"<th>{name}</th>" for name in ["left out", *columns])
    body = "".join(
        f"<tr><th>{html.escape(name)}</th>"
        + "".join(f"<td>{html.escape(str(figures.get(column, '–')))}</td>" for column in columns)
        + "</tr>"
        for name, figures in loso.items()
    )
    development_rows = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
        for name, value in development["metrics"].items()
    )
    return write_page(
        folder,
        title,
        "<h2>Leave one source out</h2><p>Trained on every other source; a text counts as offensive "
        "where the uncalibrated decision is at least 0.</p>"
        f"<table><tr>{head}</tr>{body}</table>"
        f"<h2>Development data: {html.escape(development['source'])}</h2>"
        "<p>Cross-validated within it, the other sources always in training.</p>"
        f"<table>{development_rows}</table>"
        f"<h2>Trade-off where {result['prevalence'] * 100:.0f} % of the comments are offensive</h2>"
        f"{_tradeoff_html(result)}{_figures(charts)}",
    )
