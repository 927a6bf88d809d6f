from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from discussion.signals import comment_created, comment_reported, comment_status_changed
        from moderation.models import WebhookEndpoint
        from moderation.receivers import (
            audit_author_change,
            queue_reported_comment,
            webhook_new_comment,
            webhook_report,
        )
        from moderation.webhooks.endpoints import endpoint_changed

        comment_status_changed.connect(audit_author_change, dispatch_uid="moderation.audit_author_change")
        comment_reported.connect(queue_reported_comment, dispatch_uid="moderation.queue_reported_comment")
        comment_created.connect(webhook_new_comment, dispatch_uid="moderation.webhook_new_comment")
        comment_reported.connect(webhook_report, dispatch_uid="moderation.webhook_report")
        post_save.connect(endpoint_changed, sender=WebhookEndpoint, dispatch_uid="moderation.webhook_saved")
        post_delete.connect(
            endpoint_changed, sender=WebhookEndpoint, dispatch_uid="moderation.webhook_deleted"
        )
        post_migrate.connect(
            _ensure_moderators_group, sender=self, dispatch_uid="moderation.moderators_group"
        )


def _ensure_moderators_group(**kwargs: object) -> None:
    """Every migrate brings the Moderators group's permissions up to date."""
    from moderation.permissions import moderators_group

    moderators_group()
