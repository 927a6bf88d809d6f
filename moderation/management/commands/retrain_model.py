from typing import Any

from django.core.management.base import BaseCommand

from moderation.modelops.lifecycle import model_retrain
from moderation.models import SettingsAuditEntry


class Command(BaseCommand):
    help = "Train a challenger on the base data plus moderators' decisions; promote it if not worse."

    def handle(self, *args: Any, **options: Any) -> None:
        row = model_retrain(source=SettingsAuditEntry.Source.COMMAND)
        if row is None:
            self.stdout.write("too few moderator decisions to retrain; nothing done")
            return
        promotion = row.metrics["promotion"]
        self.stdout.write(f"challenger: {row.version}")
        self.stdout.write(f"promoted: {promotion['promoted']}")
        self.stdout.write(f"reason: {promotion['reason']}")
