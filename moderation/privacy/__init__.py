"""A reader's rights to their own data (GDPR): the export they download, and the
deletion of their account."""
