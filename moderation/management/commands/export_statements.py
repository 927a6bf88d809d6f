import json
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db.models import QuerySet

from moderation.dsa.transparency import statement_records, statements_for_export
from moderation.models import StatementOfReasons

PROGRESS_EVERY = 1000


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2025-01-31") from None


class Command(BaseCommand):
    help = (
        "Write statements of reasons as EU DSA Transparency Database records (JSON Lines, one "
        "record a line, no personal data), oldest first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--since", help="first day of decisions, YYYY-MM-DD (site time zone)")
        parser.add_argument("--until", help="last day of decisions, YYYY-MM-DD, included")
        parser.add_argument(
            "--unsubmitted", action="store_true", help="only statements not yet in the database"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = _day(options["since"]) if options["since"] else None
        until = _day(options["until"]) if options["until"] else None
        if since and until and since > until:
            raise CommandError("--since is after --until")
        statements = statements_for_export(since=since, until=until, unsubmitted=options["unsubmitted"])
        total = statements.count()
        if options["output"]:
            try:
                with Path(options["output"]).open("w", encoding="utf-8") as out:
                    written = self._write(statements, out, total)
            except OSError as error:
                raise CommandError(f"cannot write {options['output']}: {error}") from error
        else:
            written = self._write(statements, self.stdout, total)
        self.stderr.write(f"{written} statements exported")

    def _write(
        self, statements: QuerySet[StatementOfReasons], out: TextIO | OutputWrapper, total: int
    ) -> int:
        written = 0
        for record in statement_records(statements):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
            if written % PROGRESS_EVERY == 0:
                self.stderr.write(f"{written} of {total} statements …")
        return written
