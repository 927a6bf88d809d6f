import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.classifier.data import DataFormatError, Dataset, load_coldstart, load_germeval
from moderation.models import ModelVersion
from moderation.registry import model_train

FORMATS = ("coldstart", "germeval")


class Command(BaseCommand):
    help = "Train a classifier, register it in the model registry and optionally activate it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="data files (not for --format coldstart)")
        parser.add_argument("--format", choices=FORMATS, default="coldstart")
        parser.add_argument("--activate", action="store_true", help="make the new model the active one")
        parser.add_argument("--if-none-active", action="store_true", help="do nothing if a model is active")
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0 to skip)")

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        if options["if_none_active"] and ModelVersion.objects.filter(is_active=True).exists():
            active = ModelVersion.objects.get(is_active=True)
            self.stdout.write(f"model {active.version} is active; nothing to train")
            return
        dataset = self._load(options["format"], paths)
        started = time.monotonic()
        row = model_train(
            dataset=dataset, activate=options["activate"], folds=options["folds"], progress=self.stdout.write
        )
        for name, value in row.metrics.get("cross_validated", {}).items():
            self.stdout.write(f"{name}: {value}")
        state = "active" if options["activate"] else "registered, not active"
        self.stdout.write(f"model {row.version} {state} ({time.monotonic() - started:.1f} s)")

    def _load(self, data_format: str, paths: list[Path]) -> Dataset:
        if data_format == "coldstart":
            if paths:
                raise CommandError("--format coldstart takes no paths")
            return load_coldstart()
        if not paths:
            raise CommandError(f"--format {data_format} needs at least one data file")
        try:
            datasets = [load_germeval(path) for path in paths]
        except (OSError, DataFormatError) as exc:
            raise CommandError(str(exc)) from exc
        combined = datasets[0]
        for extra in datasets[1:]:
            combined = combined.extend(extra)
        return combined
