"""Webhooks: the site's own systems are told of events (a comment written, published,
held, rejected or removed, a report, a notice, a reader restricted), signed as the
Standard Webhooks specification signs them. docs/webhooks.md describes them for the
receiving side.

- ``signing.py``: secrets (``whsec_`` + base64) and signatures.
- ``addresses.py``: which addresses may be called (no private or special ones unless
  the settings allow them) and the request itself, to the address that was checked.
- ``events.py``: raising an event writes one delivery per subscribed endpoint in the
  transaction that raised it; the queue hears of it once that commits.
- ``delivery.py``: the attempts (claimed with a conditional update), retries with
  backoff, ``410`` disabling the endpoint, the periodic pick-up of due deliveries.
- ``endpoints.py``: endpoints' secrets made and rotated, test events, redelivery.
"""
