"""What operators watch: GET /api/health/, GET /metrics and the request-latency
middleware behind it, and the broker's queue depths they both report.

The top layer: it reads comments (discussion), audit entries and the model
registry (moderation), so it sits above them and no app imports it; only
config (urls, settings) does. Not an app: it has no models, templates or checks.
"""
