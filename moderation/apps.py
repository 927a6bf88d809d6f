from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from discussion.signals import comment_status_changed
        from moderation.receivers import audit_author_change

        comment_status_changed.connect(audit_author_change, dispatch_uid="moderation.audit_author_change")
