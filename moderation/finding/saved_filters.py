"""Writes of a moderator's saved filters (the queue pages check the query string
against the queue's filters before they call these)."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext

from moderation.models import SavedFilter
from web.errors import InvalidInput, NotFound

# A moderator's list of saved filters stays a short list of links.
SAVED_FILTERS_PER_QUEUE = 30


def saved_filter_create(*, user: User, queue: str, name: str, query: str) -> SavedFilter:
    """Save ``query`` under ``name`` for ``user``'s ``queue``; a filter of the same
    name is replaced. Raises InvalidInput naming the field that is wrong."""
    name = " ".join(name.split())
    name_max = SavedFilter._meta.get_field("name").max_length or 0
    query_max = SavedFilter._meta.get_field("query").max_length or 0
    if not name:
        raise InvalidInput(gettext("Give the filter a name."), field="name")
    if len(name) > name_max:
        raise InvalidInput(
            gettext("A name has at most %(limit)d characters.") % {"limit": name_max}, field="name"
        )
    if len(query) > query_max:
        raise InvalidInput(
            gettext("A query string has at most %(limit)d characters.") % {"limit": query_max}, field="query"
        )
    if queue not in SavedFilter.Queue.values:
        raise InvalidInput(gettext("No such queue."), field="queue")
    with transaction.atomic():
        saved = SavedFilter.objects.filter(user=user, queue=queue)
        if not saved.filter(name=name).exists() and saved.count() >= SAVED_FILTERS_PER_QUEUE:
            raise InvalidInput(
                gettext("At most %(limit)d saved filters per queue; delete one first.")
                % {"limit": SAVED_FILTERS_PER_QUEUE},
                field="name",
            )
        row, _created = SavedFilter.objects.update_or_create(
            user=user, queue=queue, name=name, defaults={"query": query}
        )
    return row


def saved_filter_delete(*, user: User, saved_id: int, queue: str) -> str:
    """Delete one of ``user``'s own saved filters of ``queue``; returns its name.
    Another moderator's filter is as unknown as one that does not exist."""
    row = SavedFilter.objects.filter(pk=saved_id, user=user, queue=queue).first()
    if row is None:
        raise NotFound(gettext("No such saved filter."))
    row.delete()
    return row.name
