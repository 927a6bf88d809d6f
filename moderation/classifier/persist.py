"""Saving and loading models with skops, never with pickle.

A model file is loaded only if its SHA-256 matches the registry and every type in
it is on the list below; anything else is refused before a single object is built.
"""

import hashlib
import os
import tempfile
from pathlib import Path

import skops.io as sio
from sklearn.pipeline import Pipeline

from moderation.classifier.model import ToxicityModel

# Types a Stammtisch model file may contain beyond what skops trusts by default.
TRUSTED_TYPES = frozenset({"moderation.classifier.normalize.normalize_batch"})


class ModelFileError(Exception):
    """The file is missing, altered or holds types that are not trusted."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_model(model: ToxicityModel, path: Path) -> str:
    """Write the model atomically (temporary file, then rename); returns its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        sio.dump(model.pipeline, temporary, compression=8)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return sha256_of(path)


def load_model(path: Path, *, sha256: str) -> ToxicityModel:
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    actual = sha256_of(path)
    if actual != sha256:
        raise ModelFileError(f"model file {path} has checksum {actual}, the registry expects {sha256}")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a corrupt archive raises whatever zipfile/json raise
        raise ModelFileError(f"model file {path} is not a readable skops file: {exc}") from exc
    refused = sorted(set(untrusted) - TRUSTED_TYPES)
    if refused:
        raise ModelFileError(f"model file {path} contains untrusted types: {', '.join(refused)}")
    try:
        pipeline = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelFileError(f"model file {path} could not be loaded: {exc}") from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelFileError(f"model file {path} does not hold a scikit-learn pipeline")
    return ToxicityModel(pipeline)
