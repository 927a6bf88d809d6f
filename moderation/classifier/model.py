"""The toxicity model: per language a scikit-learn pipeline from raw text to
P(offensive), the scores of the fine labels, and the explanation of a score.

Each pipeline: normalisation, then word 1–2-grams and character 1–5-grams within
words (TF-IDF, sublinear term frequency), counts of the project's lexicon
categories and of the contexts their hits stand in (``context.py``), then
``estimator.ToxicityClassifier``. A language may weigh its blocks
(``block_weights``): German weighs the character n-grams 1.5 times, which helps on
GermEval 2018 and would not on Davidson's English tweets. A comment goes to the pipeline of
its language (``language.detect_language``), in training as in scoring; a language
without a pipeline of its own goes to the first one (German, when there is German
training data).
"""

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, normalize
from threadpoolctl import threadpool_limits

from moderation.classifier.context import context_hits
from moderation.classifier.estimator import ToxicityClassifier
from moderation.classifier.explanation import Contribution, explain_words
from moderation.classifier.features import Analyzer, word_char_ngrams, word_ngrams
from moderation.classifier.language import LANGUAGES, detect_language
from moderation.classifier.lexicon import remembered_hits
from moderation.classifier.normalize import normalize_batch, normalize_text

DEFAULT_PARAMS: dict[str, Any] = {
    "C": 8.0,
    # Per language, the regularisation C where it differs from "C".
    "language_C": {"de": 4.0},
    "fine_C": 4.0,
    "word_ngrams": (1, 2),
    "char_ngrams": (1, 5),
    "min_df": 2,
    "lexicon": True,
    # Counts of the contexts of lexicon hits and the comment's length (context.py).
    "context": True,
    "fine_balanced": True,
    # NB ratios from the number of texts a feature occurs in (see estimator.py).
    "nb_binary": True,
    # Per language, a factor on a feature block's values (FeatureUnion's weights).
    "block_weights": {"de": {"char": 1.5}},
    # Per language, the number of fine heads averaged (see estimator.py; 1 = one head).
    "fine_bags": {"en": 10},
    # The value of each source's own column in training (see estimator.py; 0 = none).
    "source_intercepts": 3.0,
}
# Parameters a model saved before they existed was trained with.
LEGACY_PARAMS: dict[str, Any] = {
    "nb_binary": False,
    "block_weights": {},
    "fine_bags": {},
    "language_C": {},
    "context": False,
    "source_intercepts": 0.0,
}
# A language needs this many texts of each class for a classifier of its own.
MIN_CLASS_SIZE = 10
# Words whose character n-gram columns the lean scorer remembers (per language).
WORD_CACHE_SIZE = 100_000
_TOKEN = re.compile(r"\w+")


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


def build_pipeline(params: dict[str, Any] | None = None, language: str | None = None) -> Pipeline:
    """The pipeline of ``language`` (its ``block_weights`` and ``fine_bags``; none
    without a language)."""
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
    if p["context"]:
        # Counted the same way as the lexicon categories.
        blocks.append(("context", _vectorizer(Analyzer("context"), idf=False, norm=None, min_df=1)))
    names = {name for name, _ in blocks}
    weights = {
        name: float(weight)
        for name, weight in (p["block_weights"] or {}).get(language, {}).items()
        if name in names and float(weight) != 1.0
    }
    return Pipeline(
        [
            ("normalize", FunctionTransformer(normalize_batch)),
            ("features", FeatureUnion(blocks, transformer_weights=weights or None)),
            (
                "classifier",
                ToxicityClassifier(
                    C=float((p["language_C"] or {}).get(language, p["C"])),
                    fine_C=p["fine_C"],
                    fine_balanced=p["fine_balanced"],
                    nb_binary=p["nb_binary"],
                    fine_bags=int((p["fine_bags"] or {}).get(language, 1)),
                    source_intercepts=float(p["source_intercepts"]),
                ),
            ),
        ]
    )


@dataclass(frozen=True)
class Analysis:
    score: float
    fine: dict[str, float]
    language: str
    explanation: list[Contribution] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "explanation": [item.as_dict() for item in self.explanation],
            "fine_scores": {label: round(value, 4) for label, value in self.fine.items()},
            "language": self.language,
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
    weight: float  # the FeatureUnion's weight of the block (1 without one)


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
        self._word_columns: dict[str, tuple[int, ...]] = {}
        offset = 0
        union: FeatureUnion = pipeline.named_steps["features"]
        weights = union.transformer_weights or {}
        for name, vectorizer in union.transformer_list:
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
                    weight=float(weights.get(name, 1.0)),
                )
            )
            offset += len(vocabulary)

    def features(self, normalised: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and values of the feature vector of one normalised text."""
        all_indices: list[np.ndarray] = []
        all_values: list[np.ndarray] = []
        for block in self.blocks:
            lookup = block.vocabulary.get
            if block.name == "char":
                columns = self._char_columns(block, normalised)
            else:
                columns = [column for column in map(lookup, block.analyzer(normalised)) if column is not None]
            if not columns:
                continue
            counts = Counter(columns)
            indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if block.sublinear:
                values = 1.0 + np.log(values)
            if block.idf is not None:
                values = values * block.idf[indices]
            if block.l2:
                values = values / math.sqrt(float(values @ values))
            if block.weight != 1.0:
                values = values * block.weight
            all_indices.append(indices + block.offset)
            all_values.append(values)
        if not all_indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(all_indices), np.concatenate(all_values)

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The feature matrix of many normalised texts, as the pipeline's feature union
        builds it: the same counts, sublinear tf, idf and l2 norm per block."""
        parts = []
        for block in self.blocks:
            lookup = block.vocabulary.get
            columns: list[int] = []
            indptr = [0]
            for normalised in texts:
                if block.name == "char":
                    columns.extend(self._char_columns(block, normalised))
                else:
                    columns.extend(
                        column for column in map(lookup, block.analyzer(normalised)) if column is not None
                    )
                indptr.append(len(columns))
            counts = sparse.csr_matrix(
                (
                    np.ones(len(columns)),
                    np.asarray(columns, dtype=np.int64),
                    np.asarray(indptr, dtype=np.int64),
                ),
                shape=(len(texts), len(block.vocabulary)),
            )
            counts.sum_duplicates()
            if block.sublinear:
                np.log(counts.data, counts.data)
                counts.data += 1.0
            if block.idf is not None:
                counts.data *= block.idf[counts.indices]
            if block.l2:
                counts = normalize(counts, norm="l2", copy=False)
            if block.weight != 1.0:
                counts.data *= block.weight
            parts.append(counts)
        return sparse.hstack(parts, format="csr")

    def _char_columns(self, block: _Block, normalised: str) -> list[int]:
        """Columns of the character n-grams, word by word, remembering each word's
        columns: most words of a comment are common ones."""
        low, high = block.analyzer.ngram_range
        lookup = block.vocabulary.get
        cache = self._word_columns
        columns: list[int] = []
        for word in normalised.split():
            known = cache.get(word)
            if known is None:
                grams = word_char_ngrams(word, low, high)
                known = tuple(column for column in map(lookup, grams) if column is not None)
                if len(cache) < WORD_CACHE_SIZE:
                    cache[word] = known
            columns.extend(known)
        return columns

    def decision(self, indices: np.ndarray, values: np.ndarray) -> float:
        return float(values @ self.coef[indices]) + self.intercept

    def score(self, normalised: str) -> float:
        indices, values = self.features(normalised)
        return float(self.classifier.calibrated(np.array([self.decision(indices, values)]))[0])

    def fine_given_offensive(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        classifier = self.classifier
        if not classifier.fine_labels_:
            return np.zeros(0)
        logits = classifier.fine_coef_[:, indices].astype(np.float64) @ values + classifier.fine_intercept_
        logits -= logits.max()
        odds = np.exp(logits)
        probabilities: np.ndarray = odds / odds.sum()
        return probabilities

    def explain(
        self, normalised: str, indices: np.ndarray, values: np.ndarray, top: int
    ) -> list[Contribution]:
        """Every feature's contribution (value · weight, in calibrated log-odds) is
        shared out onto the words it came from: a character n-gram onto the words
        it occurs in, a word bigram onto its two words, a lexicon hit and the context
        of a hit onto the hit's word, the comment's length onto the words of its hits.
        Which words and phrases are shown is ``explanation.explain_words``'s rule.
        """
        slope = float(self.classifier.calibration_[0])
        weights = (values * self.coef[indices] * slope).tolist()
        contribution = dict(zip(indices.tolist(), weights, strict=True))
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
        for block in self.blocks:
            # (column, share, word index) for every occurrence of a feature of this block
            occurrences: list[tuple[int, float, int]] = []
            if block.name == "char":
                for number, word in enumerate(words):
                    for gram in block.analyzer(word):
                        column = block.vocabulary.get(gram)
                        if column is not None:
                            occurrences.append((column + block.offset, 1.0, number))
            elif block.name == "word":
                owners = [number for number, word in enumerate(words) for _ in _TOKEN.findall(word)]
                tokens = _TOKEN.findall(normalised)
                low, high = block.analyzer.ngram_range
                for n in range(low, high + 1):
                    for first, gram in enumerate(word_ngrams(tokens, (n, n))):
                        column = block.vocabulary.get(gram)
                        if column is not None:
                            for owner in owners[first : first + n]:
                                occurrences.append((column + block.offset, 1.0 / n, owner))
            elif block.name == "lexicon":
                for hit in remembered_hits(normalised):
                    column = block.vocabulary.get(f"lex:{hit.category}")
                    if column is not None:
                        owner = int(np.searchsorted(starts, hit.start, side="right")) - 1
                        occurrences.append((column + block.offset, 1.0, owner))
            elif block.name == "context":
                for context in context_hits(normalised):
                    column = block.vocabulary.get(context.token)
                    if column is None:
                        continue
                    for start in context.starts:
                        owner = int(np.searchsorted(starts, start, side="right")) - 1
                        occurrences.append((column + block.offset, 1.0 / len(context.starts), owner))
            totals: dict[int, float] = {}
            for column, share, _ in occurrences:
                totals[column] = totals.get(column, 0.0) + share
            for column, share, owner in occurrences:
                per_word[owner] += contribution.get(column, 0.0) * share / totals[column]
        score = float(self.classifier.calibrated(np.array([self.decision(indices, values)]))[0])
        return explain_words(words, per_word.tolist(), score=score, top=top)


class ToxicityModel:
    """One fitted pipeline per language, with the questions the worker and the
    moderators ask of them."""

    def __init__(self, pipelines: dict[str, Pipeline], params: dict[str, Any] | None = None) -> None:
        if not pipelines:
            raise ValueError("a model needs at least one language")
        self.pipelines = pipelines
        self.params = json_params({**DEFAULT_PARAMS, **(params or {})})
        self.lean = {language: LeanScorer(pipeline) for language, pipeline in pipelines.items()}

    @property
    def languages(self) -> list[str]:
        return list(self.pipelines)

    def classifier(self, language: str) -> ToxicityClassifier:
        classifier: ToxicityClassifier = self.pipelines[language].named_steps["classifier"]
        return classifier

    @property
    def fine_labels(self) -> list[str]:
        """The fine labels of all languages (e.g. GermEval's and Davidson's), sorted."""
        return sorted({label for lang in self.pipelines for label in self.classifier(lang).fine_labels_})

    def route(self, normalised: str) -> str:
        """The language whose pipeline scores this (normalised) text."""
        language = detect_language(normalised)
        return language if language in self.pipelines else self.languages[0]

    def _groups(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        routes = np.array([self.route(text) for text in normalize_batch(texts)], dtype=object)
        return {language: np.flatnonzero(routes == language) for language in self.pipelines}

    def calibrate(
        self,
        decisions: np.ndarray,
        labels: Sequence[int],
        languages: Sequence[str],
        sample_weight: Sequence[float] | None = None,
    ) -> None:
        """Platt scaling per language on out-of-fold decisions (``evaluate.cross_validate``)."""
        self.set_calibrations(fit_calibrations(decisions, labels, languages, sample_weight))

    def set_calibrations(self, calibrations: dict[str, np.ndarray]) -> None:
        """Platt slope and offset per language (``fit_calibrations``, ``at_common_mix``)."""
        for language, calibration in calibrations.items():
            if language in self.pipelines:
                self.classifier(language).calibration_ = np.asarray(calibration, dtype=np.float64)

    def set_label_thresholds(self, thresholds: dict[str, float]) -> None:
        for language, threshold in thresholds.items():
            if language in self.pipelines:
                self.classifier(language).label_threshold_ = float(threshold)

    def label_thresholds(self, texts: Sequence[str]) -> np.ndarray:
        """The probability from which each text is labelled offensive (per language)."""
        return np.array([self.classifier(language).label_threshold_ for language in self.languages_of(texts)])

    def languages_of(self, texts: Sequence[str]) -> list[str]:
        return [self.route(text) for text in normalize_batch(texts)]

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated log-odds, for calibration on out-of-fold data."""
        texts = list(texts)
        result = np.zeros(len(texts))
        normalised = normalize_batch(texts)
        for language, rows in self._groups(texts).items():
            if len(rows):
                features = self.lean[language].matrix([normalised[i] for i in rows])
                result[rows] = self.classifier(language).decision_function(features)
        return result

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """P(offensive) for each text (the lean batch path, equal to ``pipeline_score``)."""
        return self.fine_scores(texts)[0]

    def pipeline_score(self, texts: Sequence[str]) -> np.ndarray:
        """P(offensive) for each text through the scikit-learn pipelines themselves."""
        return self._batch(texts, lean=False)[0]

    def score_one(self, text: str) -> float:
        """P(offensive) of one text (the lean path; same value as ``score``)."""
        normalised = normalize_text(text)
        return self.lean[self.route(normalised)].score(normalised)

    def fine_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(P(offensive), P(offensive and fine label)) with one column per ``fine_labels``;
        a label of another language's scheme scores 0."""
        offensive, given = self._batch(texts)
        return offensive, offensive[:, None] * given

    def fine_given(self, texts: Sequence[str]) -> np.ndarray:
        """P(fine label | offensive), one column per ``fine_labels``."""
        return self._batch(texts)[1]

    def _batch(self, texts: Sequence[str], lean: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """P(offensive) and P(fine label | offensive); the features come from the lean
        scorer (fast) or from the pipeline's own transformers (the reference)."""
        texts = list(texts)
        normalised = normalize_batch(texts)
        routes = np.array([self.route(text) for text in normalised], dtype=object)
        labels = self.fine_labels
        offensive = np.zeros(len(texts))
        given = np.zeros((len(texts), len(labels)))
        for language in self.pipelines:
            rows = np.flatnonzero(routes == language)
            if not len(rows):
                continue
            classifier = self.classifier(language)
            if lean:
                features = self.lean[language].matrix([normalised[i] for i in rows])
            else:
                features = self.pipelines[language][:-1].transform([texts[i] for i in rows])
            offensive[rows] = classifier.predict_proba(features)[:, 1]
            probabilities = classifier.fine_given_offensive(features)
            for column, label in enumerate(classifier.fine_labels_):
                given[rows, labels.index(label)] = probabilities[:, column]
        return offensive, given

    def analyze(self, text: str, top: int = 8) -> Analysis:
        """Score, fine-label scores and explanation of one comment (the lean path)."""
        return self._analysis(normalize_text(text), None, top)

    def assess(self, text: str, language: str | None = None) -> Analysis:
        """Score and fine-label scores of one comment, without the explanation (the
        lean path, as fast as ``score_one``): scored by the pipeline of ``language``,
        one of ``languages``, or of the language the text is routed to when None."""
        return self._analysis(normalize_text(text), language, None)

    def _analysis(self, normalised: str, language: str | None, top: int | None) -> Analysis:
        language = language or self.route(normalised)
        lean = self.lean[language]
        indices, values = lean.features(normalised)
        score = float(lean.classifier.calibrated(np.array([lean.decision(indices, values)]))[0])
        given = lean.fine_given_offensive(indices, values)
        labels = lean.classifier.fine_labels_
        fine = {label: float(score * p) for label, p in zip(labels, given, strict=True)}
        explanation = [] if top is None else lean.explain(normalised, indices, values, top)
        return Analysis(score=score, fine=fine, language=language, explanation=explanation)

    def explain(self, text: str, top: int = 8) -> list[Contribution]:
        """The words and phrases of ``text`` that raise its score most, strongest
        first (none for a comment below ``explanation.SCORE_FLOOR``)."""
        return self.analyze(text, top).explanation


def fit_calibrations(
    decisions: np.ndarray,
    labels: Sequence[int],
    languages: Sequence[str],
    sample_weight: Sequence[float] | None = None,
) -> dict[str, np.ndarray]:
    """Platt slope and offset per language (identity where a language lacks a class),
    each text counted with its training weight."""
    y = np.asarray(labels)
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    routes = np.asarray(languages, dtype=object)
    result = {}
    for language in sorted(set(routes.tolist())):
        rows = routes == language
        calibrator = ToxicityClassifier()
        if len(set(y[rows].tolist())) == 2:
            calibrator.calibrate(np.asarray(decisions)[rows], y[rows], weight[rows])
        else:
            calibrator.calibration_ = np.array([1.0, 0.0])
        result[language] = calibrator.calibration_
    return result


def _logit(share: float) -> float:
    return math.log(share / (1 - share))


def at_common_mix(
    calibrations: dict[str, np.ndarray],
    labels: Sequence[int],
    languages: Sequence[str],
    sample_weight: Sequence[float] | None,
    reference: str,
) -> dict[str, np.ndarray]:
    """The calibrations with each language's probabilities stated at the ``reference``
    language's mix of offensive texts: Platt scaling makes a language's scores mean
    P(offensive) among its own training texts, and Davidson's English tweets are 83 %
    offensive where the German data is about a third, so one threshold would hold
    nearly every civil English comment. A prior shift moves each other language's
    offset by logit(reference mix) − logit(its mix) (weighted shares); the ranking
    within a language is unchanged. A language of one class keeps its calibration."""
    y = np.asarray(labels, dtype=np.float64)
    routes = np.asarray(languages, dtype=object)
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)

    def mix(language: str) -> float | None:
        rows = routes == language
        share = float(np.average(y[rows], weights=weight[rows])) if rows.any() else 0.0
        return share if 0 < share < 1 else None

    target = mix(reference)
    result = {}
    for language, (slope, offset) in calibrations.items():
        own = mix(language)
        shift = (
            0.0 if target is None or own is None or language == reference else _logit(target) - _logit(own)
        )
        result[language] = np.array([slope, offset + shift])
    return result


def fit(
    texts: Sequence[str],
    labels: Sequence[int],
    params: dict[str, Any] | None = None,
    fine: Sequence[str] | None = None,
    sample_weight: Sequence[float] | None = None,
    sources: Sequence[str] | None = None,
) -> ToxicityModel:
    """Fit one pipeline per language with enough data of both classes; texts of a
    language without enough go to the first language's pipeline. Each text counts
    with its ``sample_weight`` (default 1) and, for the source intercepts, comes
    from its ``sources`` entry (default: all from one). Uncalibrated: call
    ``calibrate`` with out-of-fold decisions."""
    texts = list(texts)
    y = np.asarray(labels)
    weight = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    fine_labels = list(fine) if fine is not None else [""] * len(texts)
    detected = np.array([detect_language(text) for text in normalize_batch(texts)], dtype=object)
    own = [
        language
        for language in LANGUAGES
        if min(((detected == language) & (y == label)).sum() for label in (0, 1)) >= MIN_CLASS_SIZE
    ]
    if not own:
        own = [LANGUAGES[0]]
    routes = np.where(np.isin(detected, own), detected, own[0])
    pipelines = {}
    # One BLAS thread: the solver's vector operations are too small for threads, and
    # OpenBLAS threads waiting on each other made fits up to three times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        for language in own:
            rows = np.flatnonzero(routes == language)
            pipeline = build_pipeline(params, language)
            pipeline.fit(
                [texts[i] for i in rows],
                y[rows],
                classifier__fine=[fine_labels[i] for i in rows],
                classifier__sample_weight=weight[rows],
                classifier__sources=None if sources is None else [sources[int(i)] for i in rows],
            )
            pipelines[language] = pipeline
    return ToxicityModel(pipelines, params)


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}
