"""Measure models on labelled data, with a report under DATA_DIR/reports/.

    manage.py evaluate_model --format germeval FILE [--model VERSION]   # a registered model
    manage.py evaluate_model --cross-domain                              # the best data present
    manage.py evaluate_model --cross-domain --format germeval FILE --format csv FILE \\
        --development NAME [--folds 5] [--param lexicon=false]

``--cross-domain`` trains anew instead of loading a model: each source left out of
training in turn (leave-one-source-out), and the development source (by default
GermEval 2021, news comments) cross-validated with the other sources in training,
with the trade-off for a news site.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.classifier.evaluate import loso_sources
from moderation.classifier.persist import ModelFileError
from moderation.classifier.report import tradeoff_lines, tradeoff_text
from moderation.management.commands.train_model import add_data_arguments, load_sources, parse_params
from moderation.modelops.evaluation import (
    DEVELOPMENT_SOURCE,
    CrossDomainDataError,
    cross_domain_evaluate,
    model_evaluate,
)
from moderation.modelops.progress import ProgressBar
from moderation.modelops.training_data import best_available_data
from moderation.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Measure a registered model on labelled data, or (--cross-domain) train and measure "
        "across sources; a report under DATA_DIR/reports/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_data_arguments(parser)
        parser.add_argument("--model", help="model version (default: the active one)")
        parser.add_argument(
            "--cross-domain",
            action="store_true",
            help="leave each source out of training in turn and cross-validate the development source "
            "(default data: the best present)",
        )
        parser.add_argument(
            "--development",
            default=DEVELOPMENT_SOURCE,
            help=f"--cross-domain: the source the defaults are chosen on (default {DEVELOPMENT_SOURCE})",
        )
        parser.add_argument(
            "--folds", type=int, default=5, help="--cross-domain: folds of the development source"
        )
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="--cross-domain: a model parameter (JSON value), e.g. lexicon=false",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cross_domain"]:
            self.cross_domain(options)
            return
        if not options["sources"]:
            raise CommandError("name the data: --format FORMAT PATH")
        dataset = load_sources(options["sources"], options)
        rows = ModelVersion.objects.all()
        row = (
            rows.filter(version=options["model"]).first()
            if options["model"]
            else rows.filter(is_active=True).first()
        )
        if row is None:
            raise CommandError(f"no model {options['model']}" if options["model"] else "no model is active")
        try:
            evaluation = model_evaluate(row=row, dataset=dataset)
        except ModelFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"model: {row.version}")
        for name, value in evaluation.metrics.items():
            self.stdout.write(f"{name}: {value}")
        self.stdout.write(f"report: {evaluation.report}")

    def cross_domain(self, options: dict[str, Any]) -> None:
        if options["model"]:
            raise CommandError("--cross-domain trains its own models; it takes no --model")
        if options["folds"] < 2:
            raise CommandError("--folds: at least 2")
        params = parse_params(options["param"])
        if options["sources"]:
            dataset = load_sources(options["sources"], options)
        else:
            dataset, description = best_available_data()
            self.stdout.write(description)
        steps = len(loso_sources(dataset)) + options["folds"] + 1
        bar = ProgressBar(self.stdout, total=steps, label="evaluating")
        try:
            evaluation = cross_domain_evaluate(
                dataset=dataset,
                development=options["development"],
                params=params,
                folds=options["folds"],
                progress=bar.step,
            )
        except CrossDomainDataError as exc:
            raise CommandError(str(exc)) from exc
        bar.finish()
        for source, figures in evaluation.loso.items():
            for name, value in figures.items():
                self.stdout.write(f"loso.{source}.{name}: {value}")
        development = evaluation.development
        self.stdout.write(f"development: {development['source']} ({development['folds']} folds)")
        for name, value in development["metrics"].items():
            self.stdout.write(f"development.{name}: {value}")
        for name, value in development["thresholds"].items():
            self.stdout.write(f"development.threshold.{name}: {value}")
        for line in [*tradeoff_text(development["tradeoff"]), *tradeoff_lines(development["tradeoff"])]:
            self.stdout.write(line)
        self.stdout.write(f"report: {evaluation.report}")
