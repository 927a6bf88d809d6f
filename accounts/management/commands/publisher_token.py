from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import publisher_token_issue
from web.errors import InvalidInput


class Command(BaseCommand):
    help = (
        "Print a new API token for the newsroom's system (its CMS), which creates and updates "
        "articles with PUT and PATCH /api/articles/{slug}/. The account is made on first use "
        "(no password, in the Publishers group); its earlier token stops working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help='the system\'s account, e.g. "cms"')

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            token = publisher_token_issue(username=username)
        except InvalidInput as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(token)
