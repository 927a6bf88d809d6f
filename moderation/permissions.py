"""The Moderators group: what a moderator may do in the admin, and nothing more.

Moderators see articles, comments, their history and reports; they decide comments
and restrict readers (custom permission moderate_comment), keep the word lists,
and read the audit logs and the model registry. They cannot edit comment text,
audit entries or the site policy; those stay with administrators, as do the
restrictions of staff accounts.
"""

from django.contrib.auth.models import Group, Permission, User

MODERATORS = "Moderators"
# Deciding comments and restricting readers, in the admin and the moderation API.
MODERATE = "moderation.moderate_comment"
MODERATOR_PERMISSIONS = [
    ("articles", "view_article"),
    ("discussion", "view_comment"),
    ("discussion", "view_commentrevision"),
    ("discussion", "view_report"),
    ("accounts", "view_readerprofile"),
    ("moderation", "view_heldcomment"),
    ("moderation", "view_reportedcomment"),
    ("moderation", "view_stuckcomment"),
    ("moderation", "view_rejectedcomment"),
    ("moderation", "moderate_comment"),
    ("moderation", "view_auditentry"),
    ("moderation", "view_readerauditentry"),
    ("moderation", "view_settingsauditentry"),
    ("moderation", "view_modelversion"),
    ("moderation", "view_sitepolicy"),
    ("moderation", "view_articlepolicy"),
    ("moderation", "view_term"),
    ("moderation", "add_term"),
    ("moderation", "change_term"),
    ("moderation", "delete_term"),
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


def is_staff_account(user: User) -> bool:
    """An administrator's or a moderator's account (staff status, superuser, or a member
    of the Moderators group), whatever it may do right now. One query at most."""
    return bool(user.is_staff or user.is_superuser) or user.groups.filter(name=MODERATORS).exists()
