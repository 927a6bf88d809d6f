from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.modelops import datasets


class Command(BaseCommand):
    help = "Download a public dataset into DATASETS_DIR, checking every file's SHA-256."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=f"one of: {', '.join(datasets.DATASETS)}")
        parser.add_argument("--timeout", type=float, default=30, help="seconds per connection attempt")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        files = datasets.DATASETS.get(name)
        if files is None:
            raise CommandError(f"unknown dataset {name!r}; known: {', '.join(datasets.DATASETS)}")
        root = Path(settings.DATASETS_DIR)
        for remote in files:
            self.stdout.write(f"{remote.url} → {root / remote.path}")
            try:
                path, digest = datasets.download(
                    remote, root, progress=self._progress(), timeout=options["timeout"]
                )
            except datasets.DownloadError as exc:
                raise CommandError(str(exc)) from exc
            known = "checked" if remote.sha256 else "recorded in SHA256SUMS (no published checksum)"
            self.stdout.write(f"saved {path} ({path.stat().st_size:,} bytes, sha256 {digest} {known})")

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
