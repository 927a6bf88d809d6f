"""A Celery worker whose model raises on every comment containing POISON_MARKER.

Started by the fault tests in place of `python -m celery`; the rest of the worker
is the real thing.
"""

from collections.abc import Sequence

import numpy as np
from celery.__main__ import main

from moderation.classifier.model import ToxicityModel

POISON_MARKER = "GIFTPILLE"
_score = ToxicityModel.score


def _poisoned_score(self: ToxicityModel, texts: Sequence[str]) -> np.ndarray:
    if any(POISON_MARKER in text for text in texts):
        raise RuntimeError("this comment breaks the vectoriser")
    return _score(self, texts)


ToxicityModel.score = _poisoned_score  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
