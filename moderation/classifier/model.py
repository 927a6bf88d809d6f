"""The toxicity model: a scikit-learn pipeline from raw text to P(offensive),
and the explanation of a score as the n-grams that pushed it up most."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from moderation.classifier.normalize import normalize_batch

DEFAULT_PARAMS: dict[str, Any] = {"C": 8.0, "word_ngrams": (1, 2), "char_ngrams": (2, 5), "min_df": 1}


def build_pipeline(params: dict[str, Any] | None = None) -> Pipeline:
    p = {**DEFAULT_PARAMS, **(params or {})}
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=tuple(p["word_ngrams"]),
                    lowercase=False,
                    min_df=p["min_df"],
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=tuple(p["char_ngrams"]),
                    lowercase=False,
                    min_df=p["min_df"],
                    sublinear_tf=True,
                ),
            ),
        ]
    )
    return Pipeline(
        [
            ("normalize", FunctionTransformer(normalize_batch)),
            ("features", features),
            ("classifier", LogisticRegression(C=p["C"], class_weight="balanced", max_iter=2000)),
        ]
    )


@dataclass(frozen=True)
class Contribution:
    feature: str  # the n-gram as the model sees it (normalised text)
    kind: str  # "word" or "char"
    weight: float  # its share of the log-odds of "offensive"

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "kind": self.kind, "weight": round(self.weight, 4)}


class ToxicityModel:
    """A fitted pipeline with the two questions the worker asks of it."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._feature_names: np.ndarray | None = None

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """P(offensive) for each text."""
        return self.pipeline.predict_proba(list(texts))[:, 1]

    def explain(self, text: str, top: int = 8) -> list[Contribution]:
        """The features of ``text`` that raise its score most, strongest first."""
        features = self.pipeline[:-1].transform([text]).tocsr()
        coefficients = self.pipeline[-1].coef_[0]
        weights = features.data * coefficients[features.indices]
        order = np.argsort(-weights)[:top]
        names = self.feature_names()
        result = []
        for position in order:
            if weights[position] <= 0:
                break
            kind, _, feature = str(names[features.indices[position]]).partition("__")
            result.append(Contribution(feature=feature, kind=kind, weight=float(weights[position])))
        return result

    def feature_names(self) -> np.ndarray:
        if self._feature_names is None:
            self._feature_names = self.pipeline.named_steps["features"].get_feature_names_out()
        return self._feature_names


def fit(texts: Sequence[str], labels: Sequence[int], params: dict[str, Any] | None = None) -> ToxicityModel:
    pipeline = build_pipeline(params)
    pipeline.fit(list(texts), np.asarray(labels))
    return ToxicityModel(pipeline)
