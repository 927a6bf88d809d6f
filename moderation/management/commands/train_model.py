"""Train a classifier into the model registry.

    manage.py train_model                                   # the best data present
    manage.py train_model --format germeval FILE [--format davidson2017 FILE] --with-coldstart
    manage.py train_model --format csv FILE --label-column toxic --offensive-values 1,yes
    manage.py train_model --format coldstart --format decisions --activate

Each ``--format`` takes the format name followed by its files; give it several times
to combine data. ``--with-coldstart`` and ``--with-decisions`` add the cold-start
corpus and the moderators' decisions; ``--param NAME=VALUE`` changes a model
parameter (see ``DEFAULT_PARAMS``), e.g. for an ablation. The first data named is the "primary" data:
the policy thresholds are recommended from its out-of-fold scores, weighted to a site
where 10 % of the comments are offensive, and the trade-off for such a site is
printed as a table and as ``tradeoff.…`` lines.
"""

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.classifier.data import DataFormatError, Dataset, combine
from moderation.classifier.evaluate import baseline_cross_validated, reported_prevalences
from moderation.classifier.model import DEFAULT_PARAMS
from moderation.classifier.report import tradeoff_lines, tradeoff_text
from moderation.modelops.progress import ProgressBar
from moderation.modelops.registry import (
    TrainingDataError,
    active_model_row,
    model_load_error,
    model_train,
)
from moderation.modelops.training_data import FORMATS, CsvOptions, best_available_data, load_source
from moderation.models import SettingsAuditEntry


def csv_options(options: dict[str, Any]) -> CsvOptions:
    def values(raw: str | None) -> tuple[str, ...] | None:
        return None if raw is None else tuple(value.strip() for value in raw.split(",") if value.strip())

    return CsvOptions(
        text_column=options["text_column"],
        label_column=options["label_column"],
        offensive=values(options["offensive_values"]) or ("1",),
        acceptable=values(options["acceptable_values"]),
        fine_column=options["fine_column"],
    )


def add_data_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--format",
        dest="sources",
        nargs="+",
        action="append",
        metavar=("FORMAT", "PATH"),
        help=f"a format ({', '.join(FORMATS)}) and its files; repeat to combine",
    )
    parser.add_argument("--text-column", default="text", help="csv: column of the text")
    parser.add_argument("--label-column", default="label", help="csv: column of the label")
    parser.add_argument("--offensive-values", help="csv: label values that count as offensive (default 1)")
    parser.add_argument("--acceptable-values", help="csv: label values that count as acceptable")
    parser.add_argument("--fine-column", help="csv: column of a fine label, if any")


def load_sources(sources: list[list[str]], options: dict[str, Any]) -> Dataset:
    datasets = []
    for data_format, *paths in sources:
        if data_format not in FORMATS:
            raise CommandError(f"unknown format {data_format!r}; use one of {', '.join(FORMATS)}")
        try:
            datasets.append(load_source(data_format, [Path(p) for p in paths], csv_options(options)))
        except (OSError, DataFormatError) as exc:
            raise CommandError(str(exc)) from exc
    if not all(len(dataset) for dataset in datasets):
        empty = [dataset.name for dataset in datasets if not len(dataset)]
        raise CommandError(f"no labelled texts in {', '.join(empty)}")
    return combine(datasets)


def parse_params(raw: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in raw:
        name, separator, value = item.partition("=")
        if not separator or name not in DEFAULT_PARAMS:
            raise CommandError(
                f"--param {item!r}: use NAME=VALUE with NAME one of {', '.join(DEFAULT_PARAMS)}"
            )
        try:
            params[name] = json.loads(value)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--param {item!r}: the value is not JSON ({exc})") from exc
    return params


class Command(BaseCommand):
    help = "Train a classifier, register it in the model registry and optionally activate it."

    def add_arguments(self, parser: CommandParser) -> None:
        add_data_arguments(parser)
        parser.add_argument("--with-coldstart", action="store_true", help="add the cold-start corpus")
        parser.add_argument("--with-decisions", action="store_true", help="add the moderators' decisions")
        parser.add_argument("--activate", action="store_true", help="make the new model the active one")
        parser.add_argument(
            "--if-none-active",
            action="store_true",
            help="do nothing if a model is active and loads",
        )
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0 to skip)")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a model parameter (JSON value), e.g. C=4 or lexicon=false or char_ngrams=[2,5]",
        )
        parser.add_argument(
            "--compare-baseline",
            action="store_true",
            help="also cross-validate a plain TF-IDF + logistic regression on the same folds",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        active = active_model_row()
        if options["if_none_active"] and active is not None:
            problem = model_load_error(active)
            if problem is None:
                self.stdout.write(f"model {active.version} is active; nothing to train")
                return
            # e.g. a file of an older model format after an upgrade: replace it
            self.stdout.write(f"model {active.version} is active but cannot be loaded ({problem}); training")
        sources = list(options["sources"] or [])
        if options["with_coldstart"]:
            sources.append(["coldstart"])
        if options["with_decisions"]:
            sources.append(["decisions"])
        if sources:
            dataset = load_sources(sources, options)
        else:
            dataset, description = best_available_data()
            self.stdout.write(description)
        params = parse_params(options["param"])
        started = time.monotonic()
        bar = ProgressBar(
            self.stdout, total=(options["folds"] if options["folds"] > 1 else 0) + 3, label="training"
        )
        try:
            row = model_train(
                dataset=dataset,
                params=params,
                activated_by=SettingsAuditEntry.Source.COMMAND if options["activate"] else None,
                folds=options["folds"],
                progress=bar.step,
            )
        except TrainingDataError as exc:
            raise CommandError(str(exc)) from exc
        bar.finish()
        self.print_metrics(row.metrics)
        if options["compare_baseline"] and options["folds"] > 1:
            baseline = baseline_cross_validated(dataset, folds=options["folds"])
            for origin, metrics in baseline.items():
                for name, value in metrics.items():
                    self.stdout.write(f"baseline.{origin}.{name}: {value}")
        state = "active" if options["activate"] else "registered, not active"
        self.stdout.write(f"model {row.version} {state} ({time.monotonic() - started:.1f} s)")

    def print_metrics(self, metrics: dict[str, Any]) -> None:
        for name, value in metrics.get("cross_validated", {}).items():
            self.stdout.write(f"{name}: {value}")
        calibration = metrics.get("calibration", {})
        for name in ("brier", "ece"):
            if name in calibration:
                self.stdout.write(f"{name}: {calibration[name]}")
        for origin, values in metrics.get("by_dataset", {}).items():
            for name, value in values.items():
                if name == "calibration":
                    self.stdout.write(f"{origin}.brier: {value['brier']}")
                    self.stdout.write(f"{origin}.ece: {value['ece']}")
                else:
                    self.stdout.write(f"{origin}.{name}: {value}")
        for name, value in metrics.get("thresholds", {}).items():
            self.stdout.write(f"threshold.{name}: {value}")
        for site in reported_prevalences(metrics):
            for name in ("publish_below", "reject_above", "automatic_share"):
                self.stdout.write(f"site_offensive_{site['prevalence']:.2f}.{name}: {site[name]}")
        if "tradeoff" in metrics:
            for line in [*tradeoff_text(metrics["tradeoff"]), *tradeoff_lines(metrics["tradeoff"])]:
                self.stdout.write(line)
