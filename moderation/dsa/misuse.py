"""Misuse (DSA Art. 23): readers who often post manifestly illegal content and
notifiers who often send manifestly unfounded notices are warned, then suspended for
a set time. Switched on per site (SitePolicy.misuse_enabled)."""

from datetime import datetime

from django.utils import timezone

from moderation.models import MisuseStep


def notices_suspended_until(email: str, *, now: datetime | None = None) -> datetime | None:
    """Until when notices from this address are not processed; None when they are."""
    if not email:
        return None
    now = now or timezone.now()
    return (
        MisuseStep.objects.filter(
            subject=MisuseStep.Subject.NOTICES,
            kind=MisuseStep.Kind.SUSPENSION,
            notifier_email__iexact=email,
            until__gt=now,
        )
        .order_by("-until")
        .values_list("until", flat=True)
        .first()
    )
