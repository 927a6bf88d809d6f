from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from articles.selectors import site_comment_mode_reader_set
        from discussion.signals import comment_reported, comment_status_changed
        from moderation.policy.rules import site_comment_mode_chosen
        from moderation.receivers import audit_author_change, queue_reported_comment

        # The site's default comment mode is kept in the site policy.
        site_comment_mode_reader_set(site_comment_mode_chosen)

        comment_status_changed.connect(audit_author_change, dispatch_uid="moderation.audit_author_change")
        comment_reported.connect(queue_reported_comment, dispatch_uid="moderation.queue_reported_comment")
        post_migrate.connect(
            _ensure_moderators_group, sender=self, dispatch_uid="moderation.moderators_group"
        )


def _ensure_moderators_group(**kwargs: object) -> None:
    """Every migrate brings the Moderators group's permissions up to date."""
    from moderation.permissions import moderators_group

    moderators_group()
