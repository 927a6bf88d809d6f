"""The toxicity model: a scikit-learn pipeline from raw text to P(offensive), the
scores of the fine labels, and the explanation of a score.

Features: word 1–2-grams and character 1–5-grams within words (TF-IDF, sublinear
term frequency), counts of the project's lexicon categories and a language
indicator, all on normalised text and all prefixed with the text's language (see
``language.Analyzer``); the classifier is ``estimator.ToxicityClassifier``.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from moderation.classifier.estimator import ToxicityClassifier
from moderation.classifier.language import Analyzer, detect_language, word_ngrams
from moderation.classifier.lexicon import lexicon_hits
from moderation.classifier.normalize import normalize_batch, normalize_text

DEFAULT_PARAMS: dict[str, Any] = {
    "C": 8.0,
    "fine_C": 4.0,
    "word_ngrams": (1, 2),
    "char_ngrams": (1, 5),
    "min_df": 2,
    "lexicon": True,
}
_TOKEN = re.compile(r"\w+")
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


def _vectorizer(analyzer: Analyzer, *, idf: bool, norm: str | None, min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=analyzer,
        lowercase=False,
        use_idf=idf,
        norm=norm,
        sublinear_tf=True,
        min_df=min_df,
        dtype=np.float64,
    )


def build_pipeline(params: dict[str, Any] | None = None) -> Pipeline:
    p = {**DEFAULT_PARAMS, **(params or {})}
    min_df = p["min_df"]
    blocks: list[tuple[str, TfidfVectorizer]] = [
        ("word", _vectorizer(Analyzer("word", p["word_ngrams"]), idf=True, norm="l2", min_df=min_df)),
        ("char", _vectorizer(Analyzer("char", p["char_ngrams"]), idf=True, norm="l2", min_df=min_df)),
    ]
    if p["lexicon"]:
        # Category counts (1 + log n), neither idf-weighted nor normalised: a hit
        # weighs the same in a short and a long comment.
        blocks.append(("lexicon", _vectorizer(Analyzer("lexicon"), idf=False, norm=None, min_df=1)))
    # One indicator per language: its weight is that language's intercept.
    blocks.append(("language", _vectorizer(Analyzer("language"), idf=False, norm=None, min_df=1)))
    return Pipeline(
        [
            ("normalize", FunctionTransformer(normalize_batch)),
            ("features", FeatureUnion(blocks)),
            ("classifier", ToxicityClassifier(C=p["C"], fine_C=p["fine_C"])),
        ]
    )


@dataclass(frozen=True)
class Contribution:
    feature: str  # a word of the comment (normalised), or an n-gram
    kind: str  # "word": all n-grams and lexicon hits of that word added up
    weight: float  # its share of the log-odds of "offensive"

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "kind": self.kind, "weight": round(self.weight, 4)}


@dataclass(frozen=True)
class Analysis:
    score: float
    fine: dict[str, float]
    explanation: list[Contribution] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "explanation": [item.as_dict() for item in self.explanation],
            "fine_scores": {label: round(value, 4) for label, value in self.fine.items()},
        }


@dataclass
class _Block:
    name: str
    offset: int
    vocabulary: dict[str, int]
    idf: np.ndarray | None
    sublinear: bool
    l2: bool
    analyzer: Analyzer


class LeanScorer:
    """Scores one comment without the pipeline's per-call overhead: the same
    normalisation and analyzers, vocabulary look-ups, and a sparse dot product
    with the fitted weights. Gives the pipeline's scores (tested to 1e-9)."""

    def __init__(self, pipeline: Pipeline) -> None:
        classifier: ToxicityClassifier = pipeline.named_steps["classifier"]
        self.classifier = classifier
        self.coef = classifier.coef_[0]
        self.intercept = float(classifier.intercept_[0])
        self.blocks: list[_Block] = []
        offset = 0
        for name, vectorizer in pipeline.named_steps["features"].transformer_list:
            vocabulary = vectorizer.vocabulary_
            self.blocks.append(
                _Block(
                    name=name,
                    offset=offset,
                    vocabulary=vocabulary,
                    idf=vectorizer.idf_ if vectorizer.use_idf else None,
                    sublinear=vectorizer.sublinear_tf,
                    l2=vectorizer.norm == "l2",
                    analyzer=vectorizer.analyzer,
                )
            )
            offset += len(vocabulary)

    def features(self, normalised: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and values of the feature vector of one normalised text."""
        all_indices: list[np.ndarray] = []
        all_values: list[np.ndarray] = []
        language = detect_language(normalised)
        for block in self.blocks:
            counts: dict[int, int] = {}
            lookup = block.vocabulary.get
            for token in block.analyzer.tokens(normalised, language):
                column = lookup(token)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            if block.sublinear:
                values = np.fromiter(
                    (1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts)
                )
            else:
                values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if block.idf is not None:
                values = values * block.idf[indices]
            if block.l2:
                values = values / math.sqrt(float(values @ values))
            all_indices.append(indices + block.offset)
            all_values.append(values)
        if not all_indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(all_indices), np.concatenate(all_values)

    def decision(self, indices: np.ndarray, values: np.ndarray) -> float:
        return float(values @ self.coef[indices]) + self.intercept

    def score(self, text: str) -> float:
        indices, values = self.features(normalize_text(text))
        return float(self.classifier.calibrated(np.array([self.decision(indices, values)]))[0])

    def fine_given_offensive(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        classifier = self.classifier
        if not classifier.fine_labels_:
            return np.zeros(0)
        logits = classifier.fine_coef_[:, indices].astype(np.float64) @ values + classifier.fine_intercept_
        logits -= logits.max()
        odds = np.exp(logits)
        return odds / odds.sum()


class ToxicityModel:
    """A fitted pipeline with the questions the worker and the moderators ask of it."""

    def __init__(self, pipeline: Pipeline, params: dict[str, Any] | None = None) -> None:
        self.pipeline = pipeline
        self.params = json_params({**DEFAULT_PARAMS, **(params or {})})
        self.lean = LeanScorer(pipeline)

    @property
    def classifier(self) -> ToxicityClassifier:
        return self.pipeline.named_steps["classifier"]

    @property
    def fine_labels(self) -> list[str]:
        return list(self.classifier.fine_labels_)

    def calibrate(self, decisions: np.ndarray, labels: Sequence[int]) -> None:
        """Platt scaling on out-of-fold decisions (see ``evaluate.cross_validate``)."""
        self.classifier.calibrate(decisions, labels)

    def features(self, texts: Sequence[str]) -> Any:
        return self.pipeline[:-1].transform(list(texts))

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated log-odds, for calibration on out-of-fold data."""
        return self.classifier.decision_function(self.features(texts))

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """P(offensive) for each text (the batch path)."""
        return self.pipeline.predict_proba(list(texts))[:, 1]

    def score_one(self, text: str) -> float:
        """P(offensive) of one text (the lean path; same value as ``score``)."""
        return self.lean.score(text)

    def fine_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(P(offensive), P(offensive and fine label)) with one column per ``fine_labels``."""
        features = self.features(texts)
        classifier = self.classifier
        offensive = classifier.predict_proba(features)[:, 1]
        return offensive, offensive[:, None] * classifier.fine_given_offensive(features)

    def analyze(self, text: str, top: int = 8) -> Analysis:
        """Score, fine-label scores and explanation of one comment."""
        normalised = normalize_text(text)
        indices, values = self.lean.features(normalised)
        score = float(self.classifier.calibrated(np.array([self.lean.decision(indices, values)]))[0])
        given = self.lean.fine_given_offensive(indices, values)
        fine = {label: float(score * p) for label, p in zip(self.fine_labels, given, strict=True)}
        return Analysis(score=score, fine=fine, explanation=self._explain(normalised, indices, values, top))

    def explain(self, text: str, top: int = 8) -> list[Contribution]:
        """The words of ``text`` that raise its score most, strongest first."""
        normalised = normalize_text(text)
        indices, values = self.lean.features(normalised)
        return self._explain(normalised, indices, values, top)

    def _explain(
        self, normalised: str, indices: np.ndarray, values: np.ndarray, top: int
    ) -> list[Contribution]:
        """Every feature's contribution (value · weight, in calibrated log-odds) is
        shared out onto the words it came from: a character n-gram onto the words
        it occurs in, a word bigram onto its two words, a lexicon hit onto its word.
        """
        slope = float(self.classifier.calibration_[0])
        contribution = dict(
            zip(indices.tolist(), (values * self.lean.coef[indices] * slope).tolist(), strict=True)
        )
        words = normalised.split()
        if not words or not contribution:
            return []
        starts = []
        position = 0
        for word in words:
            position = normalised.index(word, position)
            starts.append(position)
            position += len(word)
        per_word = np.zeros(len(words))
        language = detect_language(normalised)
        prefix = language + ":"
        for block in self.lean.blocks:
            # (column, share, word index) for every occurrence of a feature of this block
            occurrences: list[tuple[int, float, int]] = []
            if block.name == "char":
                for number, word in enumerate(words):
                    for gram in block.analyzer.tokens(word, language):
                        column = block.vocabulary.get(gram)
                        if column is not None:
                            occurrences.append((column + block.offset, 1.0, number))
            elif block.name == "word":
                owners = [number for number, word in enumerate(words) for _ in _TOKEN.findall(word)]
                tokens = _TOKEN.findall(normalised)
                low, high = block.analyzer.ngram_range
                for n in range(low, high + 1):
                    for first, gram in enumerate(word_ngrams(tokens, (n, n))):
                        column = block.vocabulary.get(prefix + gram)
                        if column is not None:
                            for owner in owners[first : first + n]:
                                occurrences.append((column + block.offset, 1.0 / n, owner))
            elif block.name == "lexicon":
                for hit in lexicon_hits(normalised):
                    column = block.vocabulary.get(f"{prefix}lex:{hit.category}")
                    if column is not None:
                        owner = int(np.searchsorted(starts, hit.start, side="right")) - 1
                        occurrences.append((column + block.offset, 1.0, owner))
            totals: dict[int, float] = {}
            for column, share, _ in occurrences:
                totals[column] = totals.get(column, 0.0) + share
            for column, share, owner in occurrences:
                per_word[owner] += contribution.get(column, 0.0) * share / totals[column]
        by_word: dict[str, float] = {}
        for word, weight in zip(words, per_word, strict=True):
            shown = _EDGE_PUNCTUATION.sub("", word) or word
            by_word[shown] = by_word.get(shown, 0.0) + float(weight)
        ranked = sorted(by_word.items(), key=lambda item: -item[1])
        return [
            Contribution(feature=word, kind="word", weight=weight)
            for word, weight in ranked[:top]
            if weight > 0
        ]


def fit(
    texts: Sequence[str],
    labels: Sequence[int],
    params: dict[str, Any] | None = None,
    fine: Sequence[str] | None = None,
) -> ToxicityModel:
    """Fit the pipeline (uncalibrated: call ``calibrate`` with out-of-fold decisions)."""
    pipeline = build_pipeline(params)
    pipeline.fit(
        list(texts),
        np.asarray(labels),
        classifier__fine=list(fine) if fine is not None else None,
    )
    return ToxicityModel(pipeline, params)


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}
