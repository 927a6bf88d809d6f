"""The moderators' workplace in the admin; Django's autodiscovery imports this package."""

from moderation.admin import queues  # noqa: F401
