"""A reader's rights to their own data (GDPR): the export they download."""
