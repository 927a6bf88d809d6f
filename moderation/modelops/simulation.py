"""A site played by a labelled dataset, to measure what retraining on moderators'
decisions gains (``manage.py simulate_site``).

The site's comments arrive in order; a moderator decides each one, and the decision
is its label. At each checkpoint (a number of decisions so far; 0, the base data
alone, is always one) a model is trained the way ``lifecycle.model_retrain`` trains a
challenger and ``registry.model_train`` evaluates it: on the base data plus the
decisions so far, each decision weighing ``decision_weight``
(``lifecycle.retraining_data``), cross-validated in ``CALIBRATION_FOLDS`` folds,
Platt-calibrated on its own out-of-fold scores. Every checkpoint's model then scores
the same comments: the ``window`` comments that arrive after the last checkpoint,
which no model has seen, so the checkpoints differ only in what the models learnt.
Each checkpoint reports:

- ``roc_auc``: how well the model ranks those comments;
- ``automatic_share``: the share of them published or rejected without a human, at
  the thresholds ``evaluate.recommend_thresholds`` recommends under the default
  rules, chosen as the site could choose them: on the out-of-fold scores of the
  decisions so far (at checkpoint 0, or while the decisions lack a class, on the
  base data's). ``offensive_among_published`` and ``offensive_among_rejected``: how
  right those automatic decisions were;
- ``attainable_share``: the automatic share of thresholds chosen under the same
  rules on the scored comments themselves: what the model's ranking allows at best,
  a yardstick that does not depend on how well the thresholds were estimated.

With ``prevalence`` the thresholds are chosen, and the shares counted, for a site
where that share of the comments is offensive (the offensive and the other comments
weighted to it, as the defaults are chosen for a news site), not at the labelled
site's own mix.

Retraining is a plain fit at each checkpoint, without model_retrain's
champion/challenger comparison: the curve measures the challenger that would be
proposed, whichever of them the site keeps.
"""

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from django.conf import settings

from moderation.classifier.data import Dataset, combine, load_coldstart
from moderation.classifier.evaluate import (
    binary_metrics,
    calibrated_scores,
    class_weights,
    cross_validate,
    fit_dataset,
    recommend_thresholds,
)
from moderation.classifier.model import fit_calibrations
from moderation.classifier.report import save_figure, write_page
from moderation.modelops.lifecycle import retraining_data
from moderation.modelops.training_data import public_sources

DEFAULT_CHECKPOINTS = (0, 250, 500, 1000, 2000)
DEFAULT_WINDOW = 1000
CALIBRATION_FOLDS = 3
# The public source in English: left out of the base unless asked for (it adds a second
# pipeline's training time and nothing for a German site).
ENGLISH_SOURCE = "davidson2017"


class SimulationError(ValueError):
    """The site cannot play the simulation asked for (too few comments, bad checkpoints)."""


@dataclass(frozen=True)
class Checkpoint:
    """What the model retrained after ``decisions`` decisions did on the next comments."""

    decisions: int
    window: int  # comments scored
    roc_auc: float | None
    publish_below: float
    reject_above: float
    automatic_share: float
    published_share: float
    rejected_share: float
    offensive_among_published: float | None
    offensive_among_rejected: float | None
    attainable_share: float

    def figures(self) -> dict[str, float | int | None]:
        return {
            "roc_auc": self.roc_auc,
            "automatic_share": self.automatic_share,
            "attainable_share": self.attainable_share,
            "published_share": self.published_share,
            "rejected_share": self.rejected_share,
            "offensive_among_published": self.offensive_among_published,
            "offensive_among_rejected": self.offensive_among_rejected,
            "publish_below": self.publish_below,
            "reject_above": self.reject_above,
            "window": self.window,
        }


@dataclass
class Simulation:
    site: str
    base: str
    decision_weight: float
    prevalence: float | None = None  # the site's mix the shares are counted at; None: its own
    order: str = "file"  # the comments' arrival order: "file", "seed 3", or "mean of …"
    checkpoints: list[Checkpoint] = field(default_factory=list)

    def gain(self, name: str) -> float | None:
        """How much one figure rose from the first checkpoint to the last."""
        first, last = getattr(self.checkpoints[0], name), getattr(self.checkpoints[-1], name)
        return None if first is None or last is None else round(last - first, 4)


def mean_simulation(simulations: Sequence[Simulation]) -> Simulation:
    """The figures of runs in several arrival orders averaged checkpoint by checkpoint
    (a figure missing in a run is averaged over the runs that have it)."""
    first = simulations[0]
    points = []
    for number, point in enumerate(first.checkpoints):
        values: dict[str, Any] = {}
        for name in {item.name for item in fields(Checkpoint)} - {"decisions", "window"}:
            present = [getattr(run.checkpoints[number], name) for run in simulations]
            present = [value for value in present if value is not None]
            values[name] = round(float(np.mean(present)), 4) if present else None
        points.append(replace(point, **values))
    return Simulation(
        site=first.site,
        base=first.base,
        decision_weight=first.decision_weight,
        prevalence=first.prevalence,
        order="mean of " + ", ".join(run.order for run in simulations),
        checkpoints=points,
    )


def check_checkpoints(checkpoints: Sequence[int], window: int, site_size: int) -> list[int]:
    """The checkpoints in order, 0 among them, refused unless the last leaves a full
    window of comments after it."""
    if window < 1:
        raise SimulationError(f"the window must hold at least one comment, not {window}")
    if not checkpoints:
        raise SimulationError("no checkpoints given")
    ordered = sorted({0, *checkpoints})
    if ordered[0] < 0:
        raise SimulationError(f"checkpoint {ordered[0]} is negative")
    last = ordered[-1]
    if last + window > site_size:
        raise SimulationError(
            f"checkpoint {last} and a window of {window} need {last + window} comments; "
            f"the site has {site_size}"
        )
    return ordered


def arrival_order(size: int, seed: int | None) -> np.ndarray:
    """The order the site's comments arrive in: file order, or shuffled by ``seed``."""
    if seed is None:
        return np.arange(size)
    return np.random.default_rng(seed).permutation(size)


def simulate_site(
    site: Dataset,
    base: Dataset,
    *,
    checkpoints: Sequence[int] = DEFAULT_CHECKPOINTS,
    window: int = DEFAULT_WINDOW,
    decision_weight: float,
    seed: int | None = None,
    params: dict[str, Any] | None = None,
    prevalence: float | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> Simulation:
    """Play ``site`` against models retrained on ``base`` plus its decisions so far
    (see the module's docstring). Raises SimulationError for checkpoints the site's
    size cannot serve."""
    ordered = check_checkpoints(checkpoints, window, len(site))
    arrived = site.rows(arrival_order(len(site), seed))
    scored = arrived.rows(range(ordered[-1], ordered[-1] + window), name="scored")
    scored_labels = np.asarray(scored.labels)
    simulation = Simulation(
        site=site.name,
        base=base.name,
        decision_weight=decision_weight,
        prevalence=prevalence,
        order="file" if seed is None else f"seed {seed}",
    )
    progress(
        f"{simulation.order}: site {site.name}, {len(site)} comments, {sum(site.labels)} offensive; "
        f"base {base.name}, {len(base)} texts; decisions weigh {decision_weight:g}; "
        f"every model scores comments {ordered[-1] + 1} to {ordered[-1] + window}"
    )
    for decided in ordered:
        learned = arrived.rows(range(decided), name="decisions")
        data = retraining_data(base, learned, decision_weight)

        def fold_done(done: int, total: int, decided: int = decided) -> None:
            progress(f"{simulation.order}, checkpoint {decided}: fold {done}/{total} done")

        out_of_fold = cross_validate(data, params, folds=CALIBRATION_FOLDS, progress=fold_done)
        calibration = fit_calibrations(
            out_of_fold.decisions, data.labels, out_of_fold.languages, data.weights
        )
        labels = np.asarray(data.labels)
        out_of_fold_scores = calibrated_scores(out_of_fold, calibration)
        # The site's thresholds come from its own decisions once they hold both kinds.
        site_rows = np.asarray(data.origins) == "decisions"
        rows = site_rows if _both_classes(labels[site_rows]) else ~site_rows
        thresholds = recommend_thresholds(
            labels[rows], out_of_fold_scores[rows], prevalence=_mix(labels[rows], prevalence)
        )
        progress(
            f"{simulation.order}, checkpoint {decided}: fitting on the base data and {decided} decisions"
        )
        model = fit_dataset(data, params)
        model.set_calibrations(calibration)
        point = _checkpoint(decided, scored_labels, model.score(scored.texts), thresholds, prevalence)
        simulation.checkpoints.append(point)
        progress(
            f"{simulation.order}, checkpoint {decided}: ROC-AUC {_shown(point.roc_auc)}, automatic share "
            f"{point.automatic_share:.3f} (at best {point.attainable_share:.3f})"
        )
    return simulation


def _both_classes(labels: np.ndarray) -> bool:
    return len(labels) > 0 and 0 < labels.mean() < 1


def _mix(labels: np.ndarray, prevalence: float | None) -> float | None:
    """``prevalence`` where ``labels`` has both classes to weight to it; otherwise None,
    their own mix."""
    return prevalence if prevalence is not None and _both_classes(labels) else None


def _shown(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def _checkpoint(
    decided: int,
    labels: np.ndarray,
    scores: np.ndarray,
    thresholds: dict[str, float],
    prevalence: float | None = None,
) -> Checkpoint:
    """The figures of one checkpoint; the shares weighted to ``prevalence`` when given
    (and the scored comments have both classes)."""
    publish_below, reject_above = thresholds["publish_below"], thresholds["reject_above"]
    published = scores < publish_below
    rejected = scores >= reject_above
    weights = np.ones(len(labels))
    mix = _mix(labels, prevalence)
    if mix is not None:
        by_class = class_weights(labels, mix)
        weights = np.where(labels == 1, by_class[1], by_class[0])

    def share(chosen: np.ndarray) -> float:
        return round(float(weights[chosen].sum() / weights.sum()), 4)

    def offensive_among(chosen: np.ndarray) -> float | None:
        if not chosen.any():
            return None
        return round(float((weights * labels)[chosen].sum() / weights[chosen].sum()), 4)

    return Checkpoint(
        decisions=decided,
        window=len(labels),
        roc_auc=binary_metrics(labels, scores)["roc_auc"],
        publish_below=publish_below,
        reject_above=reject_above,
        automatic_share=share(published | rejected),
        published_share=share(published),
        rejected_share=share(rejected),
        offensive_among_published=offensive_among(published),
        offensive_among_rejected=offensive_among(rejected),
        attainable_share=recommend_thresholds(labels, scores, prevalence=mix)["automatic_share"],
    )


def base_data(site_files: Sequence[Path], *, with_english: bool = False) -> Dataset:
    """The data a site's model starts from: every public source present in
    DATASETS_DIR (each with its weight) except the one the site's comments come from
    (any of whose files is a site file), without Davidson's English tweets unless
    ``with_english``, and the cold-start corpus."""
    root = Path(settings.DATASETS_DIR)
    site = {path.resolve() for path in site_files}
    parts = [
        source.load(root)
        for source in public_sources(root)
        if not site & {path.resolve() for path in source.files(root)}
        and (with_english or source.name != ENGLISH_SOURCE)
    ]
    return combine([*parts, load_coldstart()])


def write_simulation_report(folder: Path, simulation: Simulation, runs: Sequence[Simulation] = ()) -> Path:
    """The learning curve as ``learning_curve.png`` and a page ``index.html`` with
    the figures of every checkpoint; with ``runs`` (the orders ``simulation``
    averages) each run's curves drawn thin and its headline figures tabled too.
    Returns the page's path."""
    folder.mkdir(parents=True, exist_ok=True)

    def series(run: Simulation, name: str, scale: float = 1) -> list[float]:
        values = [getattr(point, name) for point in run.checkpoints]
        return [np.nan if value is None else value * scale for value in values]

    x = [point.decisions for point in simulation.checkpoints]
    figure, (ranking, automatic) = plt.subplots(1, 2, figsize=(10, 4))
    for run in runs:
        ranking.plot(x, series(run, "roc_auc"), color="tab:blue", alpha=0.25, linewidth=1)
        automatic.plot(
            x[1:], series(run, "automatic_share", 100)[1:], color="tab:blue", alpha=0.25, linewidth=1
        )
        automatic.plot(x, series(run, "attainable_share", 100), color="tab:orange", alpha=0.25, linewidth=1)
    ranking.plot(x, series(simulation, "roc_auc"), marker="o", color="tab:blue", linewidth=2)
    ranking.set(
        xlabel=f"moderators' decisions (each × {simulation.decision_weight:g})",
        ylabel="ROC-AUC",
        title="Ranking of the site's later comments",
    )
    # At checkpoint 0 there are no decisions: its thresholds come from the base data.
    shares = series(simulation, "automatic_share", 100)
    automatic.plot(
        x[1:], shares[1:], marker="o", color="tab:blue", linewidth=2, label="thresholds from the decisions"
    )
    automatic.plot(
        x[:1],
        shares[:1],
        marker="o",
        markerfacecolor="white",
        color="tab:blue",
        linestyle="none",
        label="thresholds from the base data (0 decisions)",
    )
    automatic.plot(
        x,
        series(simulation, "attainable_share", 100),
        marker="o",
        linestyle="--",
        color="tab:orange",
        linewidth=2,
        label="at best (thresholds from the scored comments)",
    )
    automatic.set(
        xlabel="moderators' decisions",
        ylabel="decided without a human (%)",
        title="Automatic share of the same comments",
        ylim=(0, 100),
    )
    automatic.legend(loc="upper right", fontsize="small")
    save_figure(figure, folder / "learning_curve.png")
    names = list(simulation.checkpoints[0].figures())
    tables = [
        _table(
            ["decisions", *names],
            [[point.decisions, *point.figures().values()] for point in simulation.checkpoints],
        )
    ]
    if runs:
        headline = ("roc_auc", "automatic_share", "attainable_share")
        tables.append(
            _table(
                ["order", "decisions", *headline],
                [
                    [run.order, point.decisions, *(getattr(point, name) for name in headline)]
                    for run in runs
                    for point in run.checkpoints
                ],
            )
        )
    title = f"Site simulation: {simulation.site} on {simulation.base}"
    return write_page(
        folder,
        title,
        f"<p>Arrival order: {html.escape(simulation.order)}. "
        f"Each decision weighs {simulation.decision_weight:g} against 1 for a base text. "
        + (
            "Thresholds and shares at the site's own mix."
            if simulation.prevalence is None
            else f"Thresholds and shares for a site with {simulation.prevalence:.0%} offensive comments."
        )
        + "</p>"
        + "".join(tables)
        + "<figure><img src='learning_curve.png' alt='learning curve'></figure>",
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str | float | int | None]]) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(value))}</td>" for value in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: str | float | int | None) -> str:
    if isinstance(value, str):
        return value
    return "–" if value is None else f"{value:g}"
