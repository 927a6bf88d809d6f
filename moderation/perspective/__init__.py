"""A drop-in for Google's Perspective API (which stops serving after 2026):
``POST /v1alpha1/comments:analyze`` and ``comments:suggestscore`` in Perspective's
request and answer shapes, backed by the active model, for Coral Talk, Discourse's
plugin and any other client whose base URL can be set. docs/perspective.md.

- ``errors.py``: Perspective's error types in Google's error envelope;
- ``requests.py``: reading and checking the two request bodies;
- ``attributes.py``: which attributes the model can honestly serve, in which
  languages, and their scores, per comment and per sentence (UTF-16 offsets);
- ``keys.py``: the clients' API keys, their rate and usage;
- ``api.py`` and ``urls.py``: the endpoints.
"""
