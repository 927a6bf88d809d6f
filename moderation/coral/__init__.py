"""Coral Talk's external moderation phase: Coral posts every new or edited comment
to Stammtisch, signed with the phase's secret, and Stammtisch answers with the
site policy's verdict on the active model's score, in Coral's answer shape.
docs/coral.md.

- ``signatures.py``: the phase's signing secrets and Coral's ``X-Coral-Signature``;
- ``services.py``: the comment's text, its verdict, Coral's answer and the record;
- ``api.py`` and ``urls.py``: the endpoint.
"""
