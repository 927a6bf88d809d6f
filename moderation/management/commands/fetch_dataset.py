from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.modelops import datasets
from moderation.modelops.training_data import PUBLIC_SOURCES


class Command(BaseCommand):
    help = "Download a public dataset into DATASETS_DIR, checking every file's SHA-256."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help=f"one of: {', '.join(datasets.DATASETS)}")
        parser.add_argument(
            "--missing",
            action="store_true",
            help="every training file missing from DATASETS_DIR; goes on past failures",
        )
        parser.add_argument("--timeout", type=float, default=30, help="seconds per connection attempt")

    def handle(self, *args: Any, name: str | None, missing: bool, **options: Any) -> None:
        root = Path(settings.DATASETS_DIR)
        if missing == bool(name):
            raise CommandError("name one dataset, or give --missing (not both)")
        if name is not None:
            files = datasets.DATASETS.get(name)
            if files is None:
                raise CommandError(f"unknown dataset {name!r}; known: {', '.join(datasets.DATASETS)}")
            for remote in files:
                self._fetch(remote, root, options["timeout"])
            return
        training = {path for source in PUBLIC_SOURCES for path in source.paths}
        failed = []
        for dataset, files in datasets.DATASETS.items():
            for remote in files:
                if remote.path not in training or (root / remote.path).is_file():
                    continue
                try:
                    self._fetch(remote, root, options["timeout"])
                except CommandError as exc:
                    self.stderr.write(str(exc))
                    failed.append(f"{dataset} ({remote.path})")
        if failed:
            raise CommandError(f"not downloaded: {', '.join(failed)}")

    def _fetch(self, remote: datasets.RemoteFile, root: Path, timeout: float) -> None:
        self.stdout.write(f"{remote.url} → {root / remote.path}")
        try:
            path, digest = datasets.download(remote, root, progress=self._progress(), timeout=timeout)
        except datasets.DownloadError as exc:
            raise CommandError(str(exc)) from exc
        known = "checked" if remote.sha256 else "recorded in SHA256SUMS (no published checksum)"
        self.stdout.write(f"saved {path} ({path.stat().st_size:,} bytes, sha256 {digest} {known})")
        if remote.measured_sha256 and digest != remote.measured_sha256:
            self.stdout.write(
                "  this copy differs from the one the documented figures were measured on "
                "(docs/classifier.md); it trains all the same"
            )

    def _progress(self) -> datasets.Progress:
        shown = {"step": -1}

        def report(done: int, total: int | None) -> None:
            # One line per tenth (or per MB without a length), readable in logs too.
            step = done * 10 // total if total else done >> 20
            if step != shown["step"]:
                shown["step"] = step
                if total:
                    bar = "#" * step + "." * (10 - step)
                    self.stdout.write(f"  [{bar}] {done:,}/{total:,} bytes")
                else:
                    self.stdout.write(f"  {done:,} bytes")

        return report
