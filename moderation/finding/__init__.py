"""Finding comments in the queues: full-text search over comment texts
(``search``) and the moderators' saved filters (``saved_filters``). The queue pages'
list filters are in moderation.admin.filters."""
