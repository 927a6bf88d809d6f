"""The evaluation reports of model versions, reached from the admin's model registry."""

import html
import re
from pathlib import Path

import pytest
from django.test import Client

from moderation.models import ModelVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="chefin", is_staff=True, is_superuser=True))
    return client


def write_report(data_dir: Path, version: str) -> None:
    folder = data_dir / "reports" / f"{version}--sample--20261201-120000"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(f"<h1>Model {version}</h1>", encoding="utf-8")


def report_link(client: Client) -> str:
    page = client.get("/admin/moderation/modelversion/").content.decode()
    [href] = re.findall(r'<a href="([^"]+)">Bericht</a>', page)
    return html.unescape(href)


# Versions are a time and the training data's name, which joins combined datasets
# with "+" and keeps whatever a data file is called.
@pytest.mark.parametrize(
    "version",
    [
        "2026-12-01+decisions",
        "20261201-120000-000000-decisions+davidson",
        "20261201-120000-000000-Leser Daten (ä).csv",
        "20261201-120000-000000-100%#?&;=.csv",
    ],
)
def test_the_report_link_of_the_model_registry_opens_the_report(
    staff_client: Client, settings, tmp_path: Path, version: str
) -> None:
    settings.DATA_DIR = tmp_path
    ModelVersion.objects.create(version=version, file_name="m.npz", sha256="0" * 64)
    write_report(tmp_path, version)

    response = staff_client.get(report_link(staff_client))
    assert response.status_code == 200
    assert f"<h1>Model {version}</h1>".encode() in b"".join(response.streaming_content)


@pytest.mark.parametrize("name", ["..%2F..%2Fdb.sqlite3", "..", "%00", "index.html%00"])
def test_names_outside_a_report_folder_are_404(
    staff_client: Client, settings, tmp_path: Path, name: str
) -> None:
    settings.DATA_DIR = tmp_path
    write_report(tmp_path, "2026-12-01+decisions")
    (tmp_path / "db.sqlite3").write_text("secret", encoding="utf-8")

    folder = "2026-12-01+decisions--sample--20261201-120000"
    for url in (f"/admin/moderation/reports/{name}/", f"/admin/moderation/reports/{folder}/{name}"):
        assert staff_client.get(url).status_code == 404, url
