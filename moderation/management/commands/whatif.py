from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.statistics.whatif import whatif_replay


class Command(BaseCommand):
    help = "Replay recently decided comments (their stored scores) under other policy thresholds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--publish-below", type=float, required=True)
        parser.add_argument("--reject-above", type=float, required=True)
        parser.add_argument("--days", type=int, default=30, help="how far back to look (default 30)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 <= options["publish_below"] <= options["reject_above"] <= 1:
            raise CommandError("need 0 ≤ --publish-below ≤ --reject-above ≤ 1")
        result = whatif_replay(
            publish_below=options["publish_below"], reject_above=options["reject_above"], days=options["days"]
        )
        for name, value in result.items():
            self.stdout.write(f"{name}: {value}")
