"""Downloading public datasets into DATASETS_DIR, with checksums.

A file is downloaded into a temporary file beside its destination, its SHA-256
compared with the one recorded here, and only then renamed into place: a broken or
altered download leaves nothing behind. A file whose checksum is not known yet
(``sha256=None``) is accepted and its checksum written into ``SHA256SUMS`` beside
it, so the next download is checked against the first ("trust on first use").
``measured_sha256`` is the checksum of the copy the project's published figures were
measured on (rows that repeat held-out evaluation texts removed): a download that
differs from it is fine to train on, and the command says so.
"""

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from moderation.classifier.checksum import sha256_of

GERMEVAL_BASE = "https://raw.githubusercontent.com/uds-lsv/GermEval-2018-Data/master/"
GITHUB_RAW = "https://raw.githubusercontent.com/"


@dataclass(frozen=True)
class RemoteFile:
    url: str
    path: str  # relative to DATASETS_DIR
    sha256: str | None  # None: not known yet, recorded on first download
    measured_sha256: str | None = None  # the copy the documented figures come from


DATASETS: dict[str, tuple[RemoteFile, ...]] = {
    "germeval2018": (
        RemoteFile(
            url=GERMEVAL_BASE + "germeval2018.training.txt",
            path="germeval2018/germeval2018.training.txt",
            sha256="0f88c63a344e1ab69c5407aa539d1612cd82a96b51ebd6bd613dc70ff9fef03e",
        ),
        RemoteFile(
            url=GERMEVAL_BASE + "germeval2018.test.txt",
            path="germeval2018/germeval2018.test.txt",
            sha256=None,
        ),
    ),
    # The organisers' releases publish no checksums: each is recorded on first download.
    "germeval2019": (
        RemoteFile(
            url=GITHUB_RAW + "ffreemt/data/master/germeval2019.training_subtask1_2_korrigiert.txt",
            path="germeval2019/germeval2019.training_subtask1_2_korrigiert.txt",
            sha256=None,
            measured_sha256="d3a79d5307e444a16972cbe708778873cb021324ff0b2b46164b95d26b92b9b3",
        ),
    ),
    "germeval2021": (
        RemoteFile(
            url=GITHUB_RAW + "germeval2021toxic/SharedTask/main/Data%20Sets/GermEval21_TrainData.csv",
            path="germeval2021/GermEval21_TrainData.csv",
            sha256=None,
            measured_sha256="5189dfa9a94287dbd2eb9eaf0fc5b382a610c088e25376ac65e8a226cbb0d8ee",
        ),
    ),
    # GAHD (CC BY 4.0); the loader drops round R1, which was written from GermEval 2018
    # test tweets.
    "gahd": (
        RemoteFile(
            url=GITHUB_RAW + "GeissCorsin/GermEval2024-THAugs/main/data/gahd/filtered_gahd_disaggregated.csv",
            path="gahd/gahd_disaggregated.noR1.csv",
            sha256=None,
            measured_sha256="9c81f68175fbcef0213ad76209965ccaca3a226b0a9193e4f65dfba2ba11c841",
        ),
    ),
}


class DownloadError(Exception):
    """The file could not be fetched or did not match its checksum."""


Progress = Callable[[int, int | None], None]  # bytes so far, total if known


def recorded_checksums(folder: Path) -> dict[str, str]:
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        return {}
    result = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if digest and name:
            result[name] = digest
    return result


def _record_checksum(folder: Path, name: str, digest: str) -> None:
    sums = recorded_checksums(folder)
    sums[name] = digest
    (folder / "SHA256SUMS").write_text(
        "".join(f"{value}  {key}\n" for key, value in sorted(sums.items())), encoding="utf-8"
    )


def download(
    remote: RemoteFile, root: Path, *, progress: Progress | None = None, timeout: float = 30
) -> tuple[Path, str]:
    """Fetch ``remote`` into ``root``; returns (path, sha256). Idempotent: a file
    already there with the expected checksum is not fetched again."""
    destination = root / remote.path
    expected = remote.sha256 or recorded_checksums(destination.parent).get(destination.name)
    if destination.is_file() and expected and sha256_of(destination) == expected:
        return destination, expected
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=destination.parent, suffix=".part")
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with urllib.request.urlopen(remote.url, timeout=timeout) as response:  # noqa: S310
                    length = response.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                    done = 0
                    for chunk in iter(lambda: response.read(1 << 16), b""):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DownloadError(
                    f"could not download {remote.url}: {reason} (is this machine offline? "
                    f"copy the file to {destination} by hand instead)"
                ) from exc
        actual = digest.hexdigest()
        if expected and actual != expected:
            raise DownloadError(f"{remote.url} has checksum {actual}, expected {expected}; nothing was saved")
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    if not expected:
        _record_checksum(destination.parent, destination.name, actual)
    return destination, actual
