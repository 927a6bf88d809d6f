"""The Moderators group: what a moderator may do in the admin, and nothing more."""

from django.contrib.auth.models import Group, Permission

MODERATORS = "Moderators"
MODERATOR_PERMISSIONS = [
    ("articles", "view_article"),
    ("discussion", "view_comment"),
    ("discussion", "change_comment"),
    ("discussion", "view_commentrevision"),
    ("discussion", "view_report"),
    ("discussion", "view_readerprofile"),
    ("moderation", "view_auditentry"),
    ("moderation", "view_modelversion"),
]


def moderators_group() -> Group:
    """Create or update the group; idempotent."""
    group, _ = Group.objects.get_or_create(name=MODERATORS)
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in MODERATOR_PERMISSIONS
    ]
    group.permissions.set(permissions)
    return group
