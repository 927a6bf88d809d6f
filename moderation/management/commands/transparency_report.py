import csv
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from moderation.dsa.report import Table, TransparencyReport, last_calendar_year, transparency_report


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2025-01-31") from None


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def format_table(table: Table) -> str:
    """The table in aligned columns, the first to the left, figures to the right."""
    cells = [table.headings, *[[_cell(value) for value in row] for row in table.rows]]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(table.columns))]
    lines = [
        "  ".join(
            str(value).ljust(width) if i == 0 else str(value).rjust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([table.title, *lines])


def format_report(report: TransparencyReport) -> str:
    summary = [f"{name}: {_cell(value)}" for name, value in report.summary]
    parts = [f"Transparency report {report.start} to {report.end}", "\n".join(summary)]
    parts += [format_table(table) for table in report.tables]
    return "\n\n".join(parts) + "\n"


class Command(BaseCommand):
    help = (
        "The transparency report's figures (DSA Art. 15/24) for a period: notices, restrictions, "
        "appeals, misuse steps and account restrictions. Default: the last calendar year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD, included")
        parser.add_argument("--csv", help="also write the figures to this CSV file")

    @no_translations  # labelled in English (the msgids), whatever the site's language
    def handle(self, *args: Any, **options: Any) -> None:
        default_start, default_end = last_calendar_year()
        start = _day(options["start"]) if options["start"] else default_start
        end = _day(options["end"]) if options["end"] else default_end
        if start > end:
            raise CommandError("--from is after --to")
        report = transparency_report(start=start, end=end)
        self.stdout.write(format_report(report), ending="")
        if options["csv"]:
            try:
                with Path(options["csv"]).open("w", newline="", encoding="utf-8") as out:
                    csv.writer(out).writerows(report.csv_rows())
            except OSError as error:
                raise CommandError(f"cannot write {options['csv']}: {error}") from error
            self.stderr.write(f"figures written to {options['csv']}")
