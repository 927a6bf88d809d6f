"""Saving and loading models, never with pickle.

Two formats, chosen by the file name:

- ``.npz`` (the default): the fitted numbers only (vocabularies, idf, weights,
  calibration) as plain numpy arrays plus a JSON header, read with
  ``allow_pickle=False``; the pipeline is rebuilt by this code from its parameters.
  Loading a GermEval-size model takes a fraction of a second.
- ``.skops``: the whole pipeline with skops, loaded only if every type in it is on
  the allow-list below. Slower to load for large vocabularies (see the benchmark).

Either file is opened only after its SHA-256 matches the registry.
"""

import hashlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline

from moderation.classifier.checksum import sha256_of
from moderation.classifier.estimator import ToxicityClassifier
from moderation.classifier.model import LEGACY_PARAMS, ToxicityModel, build_pipeline

# Types a Stammtisch skops file may contain beyond what skops trusts by default.
TRUSTED_TYPES = frozenset(
    {
        "moderation.classifier.normalize.normalize_batch",
        "moderation.classifier.features.Analyzer",
        "moderation.classifier.estimator.ToxicityClassifier",
    }
)
ARRAY_FORMAT = "stammtisch-linear-text-model"
ARRAY_FORMAT_VERSION = 1


class ModelFileError(Exception):
    """The file is missing, altered, malformed or holds types that are not trusted."""


def save_model(model: ToxicityModel, path: Path) -> str:
    """Write the model atomically (temporary file, then rename); returns its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        if path.suffix == ".skops":
            sio.dump(
                {"pipelines": model.pipelines, "params": model.params},
                temporary,
                compression=zipfile.ZIP_DEFLATED,
            )
        else:
            with open(temporary, "wb") as out:
                np.savez_compressed(out, **_arrays(model))  # type: ignore[arg-type]  # mypy checks the arrays against allow_pickle
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return sha256_of(path)


def _text_array(value: str) -> np.ndarray:
    return np.frombuffer(value.encode("utf-8"), dtype=np.uint8)


def _arrays(model: ToxicityModel) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    languages = {}
    for language, pipeline in model.pipelines.items():
        classifier: ToxicityClassifier = pipeline.named_steps["classifier"]
        blocks = []
        for name, vectorizer in pipeline.named_steps["features"].transformer_list:
            tokens = [""] * len(vectorizer.vocabulary_)
            for token, column in vectorizer.vocabulary_.items():
                tokens[column] = token
            if any("\n" in token for token in tokens):
                raise ValueError(f"a token of block {name} contains a line break")
            arrays[f"{language}.vocabulary_{name}"] = _text_array("\n".join(tokens))
            if vectorizer.use_idf:
                arrays[f"{language}.idf_{name}"] = np.asarray(vectorizer.idf_, dtype=np.float64)
            blocks.append({"name": name, "size": len(tokens)})
        arrays[f"{language}.coef"] = np.asarray(classifier.coef_[0], dtype=np.float64)
        arrays[f"{language}.fine_coef"] = np.asarray(classifier.fine_coef_, dtype=np.float32)
        languages[language] = {
            "blocks": blocks,
            "intercept": float(classifier.intercept_[0]),
            "calibration": [float(value) for value in classifier.calibration_],
            "label_threshold": float(classifier.label_threshold_),
            "fine_labels": list(classifier.fine_labels_),
            "fine_intercept": [float(value) for value in classifier.fine_intercept_],
        }
    header = {
        "format": ARRAY_FORMAT,
        "version": ARRAY_FORMAT_VERSION,
        "params": model.params,
        "languages": languages,
    }
    arrays["header"] = _text_array(json.dumps(header))
    return arrays


def load_model(path: Path, *, sha256: str) -> ToxicityModel:
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ModelFileError(f"model file {path} has checksum {actual}, the registry expects {sha256}")
    if path.suffix == ".skops":
        return _load_skops(path)
    try:
        return _from_arrays(data)
    except ModelFileError as exc:
        raise ModelFileError(f"model file {path}: {exc}") from exc
    except Exception as exc:  # a corrupt archive raises whatever zipfile/numpy/json raise
        raise ModelFileError(f"model file {path} is not a readable model file: {exc}") from exc


def _load_skops(path: Path) -> ToxicityModel:
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a corrupt archive raises whatever zipfile/json raise
        raise ModelFileError(f"model file {path} is not a readable skops file: {exc}") from exc
    refused = sorted(set(untrusted) - TRUSTED_TYPES)
    if refused:
        raise ModelFileError(f"model file {path} contains untrusted types: {', '.join(refused)}")
    try:
        saved = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelFileError(f"model file {path} could not be loaded: {exc}") from exc
    if not (
        isinstance(saved, dict)
        and isinstance(saved.get("pipelines"), dict)
        and saved["pipelines"]
        and all(
            isinstance(pipeline, Pipeline) and isinstance(pipeline[-1], ToxicityClassifier)
            for pipeline in saved["pipelines"].values()
        )
    ):
        raise ModelFileError(f"model file {path} does not hold Stammtisch classifier pipelines")
    return ToxicityModel(saved["pipelines"], saved.get("params"))


def _from_arrays(data: bytes) -> ToxicityModel:
    # allow_pickle=False: an object array in the file is an error, never code.
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header: dict[str, Any] = json.loads(arrays["header"].tobytes().decode("utf-8"))
    if header.get("format") != ARRAY_FORMAT or header.get("version") != ARRAY_FORMAT_VERSION:
        raise ModelFileError(f"unknown format {header.get('format')!r} version {header.get('version')!r}")
    # A file from before a parameter existed was trained without it.
    params = {**LEGACY_PARAMS, **header["params"]}
    pipelines = {
        language: _pipeline(params, language, part, arrays) for language, part in header["languages"].items()
    }
    return ToxicityModel(pipelines, params)


def _pipeline(
    params: dict[str, Any], language: str, part: dict[str, Any], arrays: dict[str, np.ndarray]
) -> Pipeline:
    pipeline = build_pipeline(params, language)
    vectorizers = dict(pipeline.named_steps["features"].transformer_list)
    if [block["name"] for block in part["blocks"]] != list(vectorizers):
        raise ModelFileError(f"the feature blocks of {language} do not match the parameters")
    width = 0
    for block in part["blocks"]:
        name, vectorizer = block["name"], vectorizers[block["name"]]
        raw = arrays[f"{language}.vocabulary_{name}"].tobytes().decode("utf-8")
        tokens = raw.split("\n") if block["size"] else []
        if len(tokens) != block["size"]:
            raise ModelFileError(
                f"block {language}.{name} has {len(tokens)} tokens, the header says {block['size']}"
            )
        vectorizer.vocabulary_ = {token: column for column, token in enumerate(tokens)}
        transformer = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf, sublinear_tf=True)
        transformer.fit(sparse.csr_matrix((1, len(tokens))))
        if vectorizer.use_idf:
            transformer.idf_ = arrays[f"{language}.idf_{name}"]
        vectorizer._tfidf = transformer
        width += len(tokens)
    pipeline.named_steps["normalize"].fit([""])
    classifier: ToxicityClassifier = pipeline.named_steps["classifier"]
    coef, fine_coef = arrays[f"{language}.coef"], arrays[f"{language}.fine_coef"]
    if coef.shape != (width,) or fine_coef.shape != (len(part["fine_labels"]), width):
        raise ModelFileError(f"the weights of {language} do not fit its vocabularies")
    classifier.classes_ = np.array([0, 1])
    classifier.coef_ = coef.reshape(1, -1)
    classifier.intercept_ = np.array([part["intercept"]])
    classifier.calibration_ = np.array(part["calibration"], dtype=np.float64)
    classifier.label_threshold_ = float(part.get("label_threshold", 0.5))
    classifier.fine_labels_ = list(part["fine_labels"])
    classifier.fine_coef_ = fine_coef
    classifier.fine_intercept_ = np.array(part["fine_intercept"], dtype=np.float64)
    return pipeline
