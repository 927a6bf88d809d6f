"""Mails to readers about their own comments (docs/moderation.md, "Notifications to
authors"): which decisions make one (``events``), writing and sending them
(``mail``), and the unsubscribe link (``unsubscribe``)."""
