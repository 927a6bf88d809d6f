from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.services import articles_import, section_clean


class Command(BaseCommand):
    help = "Import articles from plain-text files (default: the seeds/ folder). Re-importing updates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="files or folders of .txt files")
        parser.add_argument(
            "--section",
            help='the newsroom section of these articles, e.g. "Politik" (the files do not name one); '
            "without it, new articles have none and existing ones keep theirs",
        )

    def handle(self, *args: Any, paths: list[Path], section: str | None, **options: Any) -> None:
        paths = paths or [settings.BASE_DIR / "seeds"]
        if section is not None:
            try:
                section = section_clean(section)
            except ValueError as exc:
                raise CommandError(f"--section: {exc}") from None
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"no such file or folder: {', '.join(missing)}")
        outcomes = articles_import(paths=paths, section=section)
        for number, outcome in enumerate(outcomes, start=1):
            if outcome.outcome == "failed":
                self.stderr.write(self.style.ERROR(f"[{number}/{len(outcomes)}] {outcome.error}"))
            else:
                assert outcome.article is not None
                self.stdout.write(f"[{number}/{len(outcomes)}] {outcome.outcome}: {outcome.article.slug}")
        failed = sum(outcome.outcome == "failed" for outcome in outcomes)
        counts = {
            kind: sum(o.outcome == kind for o in outcomes) for kind in ("created", "updated", "unchanged")
        }
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        self.stdout.write(f"{len(outcomes)} files: {summary}, {failed} failed")
        if failed:
            raise CommandError(f"{failed} file(s) could not be imported")
