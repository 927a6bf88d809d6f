"""A Celery worker whose model raises on every comment containing POISON_MARKER.

Started by the fault tests in place of `python -m celery`; the rest of the worker
is the real thing.
"""

from celery.__main__ import main

from moderation.classifier.model import Analysis, ToxicityModel

POISON_MARKER = "GIFTPILLE"
_analyze = ToxicityModel.analyze


def _poisoned_analyze(self: ToxicityModel, text: str, top: int = 8) -> Analysis:
    if POISON_MARKER in text:
        raise RuntimeError("this comment breaks the vectoriser")
    return _analyze(self, text, top)


ToxicityModel.analyze = _poisoned_analyze  # type: ignore[method-assign]  # the fault this worker exists to inject

if __name__ == "__main__":
    main()
