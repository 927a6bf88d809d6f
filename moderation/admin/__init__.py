"""The moderators' workplace in the admin: the queues, readers, the policy, the model
registry, the audit log, the statistics page, misuse (DSA Art. 23) and the keys of
the Perspective-compatible API, Coral's moderation phase, webhook endpoints and
deliveries. Admin classes stay thin: every decision goes through
moderation.decisions (misuse steps through moderation.dsa.misuse), every figure
through moderation.selectors or moderation.statistics.

Django's autodiscovery imports this package; importing each module registers its part.
"""

from moderation.admin import (  # noqa: F401
    appeals,
    audit,
    coral,
    misuse,
    model_versions,
    notices,
    perspective,
    policy,
    queues,
    readers,
    sections,
    site,
    webhooks,
)
