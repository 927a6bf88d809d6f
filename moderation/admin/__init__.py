"""The moderators' workplace in the admin: the queues, readers, the policy, the model
registry, the audit log and the statistics page. Admin classes stay thin: every
decision goes through moderation.decisions, every figure through moderation.selectors
or moderation.statistics.

Django's autodiscovery imports this package; importing each module registers its part.
"""

from moderation.admin import audit, model_versions, notices, policy, queues, readers, site  # noqa: F401
