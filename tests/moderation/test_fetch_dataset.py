import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from functools import partial
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from moderation.modelops import datasets
from moderation.modelops.training_data import PUBLIC_SOURCES


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CONTENT = b"Du Depp\tOFFENSE\tINSULT\nHallo\tOTHER\tOTHER\n" * 2000


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server for files in tmp_path/served, in a thread."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "train.txt").write_bytes(CONTENT)
    (served / "test.txt").write_bytes(CONTENT[:1000])
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def target(settings, tmp_path: Path) -> Path:
    settings.DATASETS_DIR = tmp_path / "datasets"
    return settings.DATASETS_DIR


def use(monkeypatch, *files: datasets.RemoteFile) -> None:
    monkeypatch.setitem(datasets.DATASETS, "germeval2018", files)


def test_download_checks_the_checksum_and_shows_progress(server, target, monkeypatch) -> None:
    digest = hashlib.sha256(CONTENT).hexdigest()
    use(monkeypatch, datasets.RemoteFile(f"{server}/train.txt", "germeval2018/train.txt", digest))
    out = StringIO()
    call_command("fetch_dataset", "germeval2018", stdout=out)
    assert (target / "germeval2018" / "train.txt").read_bytes() == CONTENT
    assert "[##########]" in out.getvalue()
    assert f"sha256 {digest} checked" in out.getvalue()


def test_a_checksum_mismatch_leaves_no_file_behind(server, target, monkeypatch) -> None:
    use(monkeypatch, datasets.RemoteFile(f"{server}/train.txt", "germeval2018/train.txt", "0" * 64))
    with pytest.raises(CommandError, match=r"expected 0000.*nothing was saved"):
        call_command("fetch_dataset", "germeval2018", stdout=StringIO())
    assert list((target / "germeval2018").iterdir()) == []


def test_an_unknown_checksum_is_recorded_and_checked_next_time(server, target, monkeypatch, tmp_path) -> None:
    use(monkeypatch, datasets.RemoteFile(f"{server}/test.txt", "germeval2018/test.txt", None))
    out = StringIO()
    call_command("fetch_dataset", "germeval2018", stdout=out)
    assert "recorded in SHA256SUMS" in out.getvalue()
    digest = hashlib.sha256(CONTENT[:1000]).hexdigest()
    assert datasets.recorded_checksums(target / "germeval2018") == {"test.txt": digest}
    # The file changes upstream: the next download is refused and the old file kept.
    (tmp_path / "served" / "test.txt").write_bytes(b"altered")
    (target / "germeval2018" / "test.txt").write_bytes(b"local copy damaged")
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("fetch_dataset", "germeval2018", stdout=StringIO())
    assert (target / "germeval2018" / "test.txt").read_bytes() == b"local copy damaged"


def test_offline_fails_cleanly(target, monkeypatch) -> None:
    closed = f"http://127.0.0.1:{free_port()}/train.txt"
    use(monkeypatch, datasets.RemoteFile(closed, "germeval2018/train.txt", "0" * 64))
    with pytest.raises(CommandError, match=r"could not download .*\(is this machine offline\?"):
        call_command("fetch_dataset", "germeval2018", "--timeout", "2", stdout=StringIO())
    assert not (target / "germeval2018" / "train.txt").exists()


def test_unknown_dataset_is_refused() -> None:
    with pytest.raises(CommandError, match="unknown dataset 'imdb'"):
        call_command("fetch_dataset", "imdb")


def test_the_real_germeval_training_checksum_is_the_shared_one() -> None:
    training, test = datasets.DATASETS["germeval2018"]
    assert training.url.endswith("/germeval2018.training.txt")
    assert training.sha256 == "0f88c63a344e1ab69c5407aa539d1612cd82a96b51ebd6bd613dc70ff9fef03e"
    assert test.sha256 is None


def test_a_copy_other_than_the_measured_one_is_reported(server, target, monkeypatch) -> None:
    use(
        monkeypatch,
        datasets.RemoteFile(f"{server}/train.txt", "germeval2018/train.txt", None, measured_sha256="1" * 64),
    )
    out = StringIO()
    call_command("fetch_dataset", "germeval2018", stdout=out)
    assert "differs from the one the documented figures were measured on" in out.getvalue()


def test_missing_fetches_every_absent_training_file_and_goes_on_past_failures(
    server, target, monkeypatch
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/x.csv"
    monkeypatch.setattr(
        datasets,
        "DATASETS",
        {
            "germeval2018": (
                datasets.RemoteFile(f"{server}/train.txt", "germeval2018/germeval2018.training.txt", None),
                # Held-out evaluation data: never fetched for training.
                datasets.RemoteFile(f"{server}/test.txt", "germeval2018/germeval2018.test.txt", None),
            ),
            "germeval2021": (datasets.RemoteFile(closed, "germeval2021/GermEval21_TrainData.csv", None),),
            "gahd": (datasets.RemoteFile(f"{server}/test.txt", "gahd/gahd_disaggregated.noR1.csv", None),),
        },
    )
    (target / "gahd").mkdir(parents=True)
    (target / "gahd" / "gahd_disaggregated.noR1.csv").write_text("already here")
    err = StringIO()
    with pytest.raises(
        CommandError, match=r"not downloaded: germeval2021 \(germeval2021/GermEval21_TrainData"
    ):
        call_command("fetch_dataset", "--missing", "--timeout", "2", stdout=StringIO(), stderr=err)
    assert (target / "germeval2018" / "germeval2018.training.txt").read_bytes() == CONTENT
    assert not (target / "germeval2018" / "germeval2018.test.txt").exists()
    assert (target / "gahd" / "gahd_disaggregated.noR1.csv").read_text() == "already here"
    assert "could not download" in err.getvalue()


def test_every_german_training_source_but_hasoc_can_be_fetched() -> None:
    fetchable = {remote.path for files in datasets.DATASETS.values() for remote in files}
    for source in PUBLIC_SOURCES:
        if source.name.startswith("hasoc") or source.name == "davidson2017":
            continue  # published only as spreadsheets or behind a form: copied by hand
        assert set(source.paths) & fetchable, source.name


def test_name_or_missing_is_required() -> None:
    with pytest.raises(CommandError, match="name one dataset, or give --missing"):
        call_command("fetch_dataset")
