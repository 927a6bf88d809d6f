"""Play a site with a labelled dataset and print the learning curve of retraining on
its moderators' decisions (moderation/modelops/simulation.py says what is measured).

    manage.py simulate_site                      # GermEval 2021's training file as the site
    manage.py simulate_site --format csv FILE --checkpoints 100,200 --window 200
    manage.py simulate_site --decision-weight 3 --seed 1
    manage.py simulate_site --seed 1,2,3,4,5      # averaged over five shuffled orders
    manage.py simulate_site --prevalence 0.1     # thresholds for a site with 10 % offensive

The base data is every public source present in DATASETS_DIR except the site's own,
without Davidson's English tweets unless ``--with-english``, plus the cold-start
corpus. Prints ``name: value`` lines (``simulate.after_500.roc_auc: 0.70``) and writes
a learning curve and a page under DATA_DIR/reports/simulation-<time>/.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from moderation.classifier.data import DataFormatError
from moderation.modelops.evaluation import reports_dir
from moderation.modelops.progress import ProgressBar
from moderation.modelops.simulation import (
    CALIBRATION_FOLDS,
    DEFAULT_CHECKPOINTS,
    DEFAULT_WINDOW,
    SimulationError,
    base_data,
    check_checkpoints,
    mean_simulation,
    simulate_site,
    write_simulation_report,
)
from moderation.modelops.training_data import load_source

# Formats a site's comments can come in: one labelled file of a known kind.
SITE_FORMATS = ("germeval2021", "germeval", "hasoc", "gahd", "davidson2017", "csv")
DEFAULT_SITE = ("germeval2021", "germeval2021/GermEval21_TrainData.csv")  # under DATASETS_DIR


def number_list(option: str, raw: str) -> list[int]:
    try:
        return [int(item) for item in raw.split(",") if item.strip()]
    except ValueError:
        raise CommandError(f"{option} {raw!r}: give whole numbers separated by commas") from None


class Command(BaseCommand):
    help = "Simulate a site whose moderators' decisions retrain the model; print the learning curve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            nargs=2,
            metavar=("FORMAT", "FILE"),
            help=f"the site's labelled comments: a format ({', '.join(SITE_FORMATS)}) and its file "
            f"(default: {DEFAULT_SITE[0]} DATASETS_DIR/{DEFAULT_SITE[1]})",
        )
        parser.add_argument(
            "--checkpoints",
            default=",".join(map(str, DEFAULT_CHECKPOINTS)),
            help="numbers of decisions after which the model is retrained (comma-separated; "
            "0, the base data alone, is always one)",
        )
        parser.add_argument(
            "--window",
            type=int,
            default=DEFAULT_WINDOW,
            help="how many of the comments after the last checkpoint every model scores",
        )
        parser.add_argument(
            "--decision-weight",
            type=float,
            default=None,
            help="how much a decision counts in training against 1 for a base text "
            "(default: MODEL_RETRAIN_DECISION_WEIGHT)",
        )
        parser.add_argument(
            "--seed",
            help="shuffle the comments' order with this seed; several (1,2,3) play the site in each "
            "order and print the figures averaged over them",
        )
        parser.add_argument(
            "--with-english", action="store_true", help="keep Davidson's English tweets in the base data"
        )
        parser.add_argument(
            "--prevalence",
            type=float,
            help="choose the thresholds and count the shares for a site with this share of offensive "
            "comments, e.g. 0.1 (default: the site's own mix)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_format, raw_path = options["format"] or (
            DEFAULT_SITE[0],
            str(Path(settings.DATASETS_DIR) / DEFAULT_SITE[1]),
        )
        if data_format not in SITE_FORMATS:
            raise CommandError(f"unknown site format {data_format!r}; use one of {', '.join(SITE_FORMATS)}")
        weight = options["decision_weight"]
        weight = settings.MODEL_RETRAIN_DECISION_WEIGHT if weight is None else weight
        if weight < 0:
            raise CommandError(f"--decision-weight {weight:g}: a weight cannot be negative")
        prevalence = options["prevalence"]
        if prevalence is not None and not 0 < prevalence < 1:
            raise CommandError(f"--prevalence {prevalence:g}: a share between 0 and 1, e.g. 0.1")
        path = Path(raw_path)
        try:
            site = load_source(data_format, [path]).renamed("site")
        except (OSError, DataFormatError) as exc:
            raise CommandError(f"the site's comments: {exc}") from exc
        checkpoints = number_list("--checkpoints", options["checkpoints"])
        seeds: list[int | None] = [None]
        if options["seed"] is not None:
            seeds = list(dict.fromkeys(number_list("--seed", options["seed"]))) or [None]
        try:
            ordered = check_checkpoints(checkpoints, options["window"], len(site))
        except SimulationError as exc:
            raise CommandError(str(exc)) from exc
        base = base_data([path], with_english=options["with_english"])
        per_run = 1 + len(ordered) * (CALIBRATION_FOLDS + 2)
        bar = ProgressBar(self.stdout, total=len(seeds) * per_run + 2, label="simulate")
        bar.step(f"base data: {', '.join(base.parts())}")
        runs = [
            simulate_site(
                site,
                base,
                checkpoints=ordered,
                window=options["window"],
                decision_weight=weight,
                seed=seed,
                prevalence=prevalence,
                progress=bar.step,
            )
            for seed in seeds
        ]
        simulation = runs[0] if len(runs) == 1 else mean_simulation(runs)
        folder = reports_dir() / f"simulation-{timezone.now():%Y%m%d-%H%M%S}"
        page = write_simulation_report(folder, simulation, runs if len(runs) > 1 else ())
        bar.finish()
        self.stdout.write(f"simulate.site: {path}")
        self.stdout.write(f"simulate.base: {'+'.join(base.parts())}")
        self.stdout.write(f"simulate.decision_weight: {weight:g}")
        self.stdout.write(f"simulate.prevalence: {'site' if prevalence is None else f'{prevalence:g}'}")
        self.stdout.write(f"simulate.order: {simulation.order}")
        if len(runs) > 1:  # each order's headline figures; the after_ lines are their means
            for run in runs:
                for point in run.checkpoints:
                    for name in ("roc_auc", "automatic_share", "attainable_share"):
                        shown = _value(getattr(point, name))
                        self.stdout.write(
                            f"simulate.{run.order.replace(' ', '_')}.after_{point.decisions}.{name}: {shown}"
                        )
        for point in simulation.checkpoints:
            for name, value in point.figures().items():
                self.stdout.write(f"simulate.after_{point.decisions}.{name}: {_value(value)}")
        # The automatic share of checkpoint 0 comes from thresholds chosen on other data.
        for name in ("roc_auc", "attainable_share"):
            self.stdout.write(f"simulate.gain.{name}: {_value(simulation.gain(name))}")
        self.stdout.write(f"report: {page}")


def _value(value: float | int | None) -> str:
    return "–" if value is None else f"{value:g}"
