"""The HTTP pieces every app shares: domain errors and the one exception handler,
the API's error shapes, the request parser, write throttles, checked cursor pages,
the JSON cache backend, and who the client is behind our proxies.

It sits below every app and imports none of them (pyproject.toml's import-linter
contracts hold it to that): only Django, DRF and the settings.
"""
