from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.classifier.persist import ModelFileError
from moderation.management.commands.train_model import add_data_arguments, load_sources
from moderation.modelops.evaluation import model_evaluate
from moderation.models import ModelVersion


class Command(BaseCommand):
    help = "Measure a registered model on labelled data and write a report under DATA_DIR/reports/."

    def add_arguments(self, parser: CommandParser) -> None:
        add_data_arguments(parser)
        parser.add_argument("--model", help="model version (default: the active one)")

    def handle(self, *args: Any, **options: Any) -> None:
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
