import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from moderation.permissions import moderators_group


class Command(BaseCommand):
    help = (
        "Create the Moderators group and a demo moderator (staff, not superuser). The password comes "
        "from DEMO_MODERATOR_PASSWORD, or is generated once and kept in var/demo-credentials.txt."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        group = moderators_group()
        username = os.environ.get("DEMO_MODERATOR_USERNAME", "moderator")
        from_environment = os.environ.get("DEMO_MODERATOR_PASSWORD", "")
        credentials = settings.DATA_DIR / "demo-credentials.txt"
        user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
        if from_environment:
            user.set_password(from_environment)
            user.save()
            password = "(from DEMO_MODERATOR_PASSWORD)"  # noqa: S105
        elif created or not credentials.exists():
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            credentials.parent.mkdir(parents=True, exist_ok=True)
            credentials.write_text(f"{username}\n{password}\n")
            credentials.chmod(0o600)
        else:
            password = credentials.read_text().split("\n")[1]
        user.groups.add(group)
        self.stdout.write(f"demo moderator: username {username}, password {password}")
