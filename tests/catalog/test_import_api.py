"""POST /api/v1/catalog/import/: the catalog import as an upload (curators and admins only),
imported by a background job; in-process mode (no broker: the job runs when the upload commits)
unless a test says otherwise."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.models import DistributorOffer, Organisation, Part
from forensics.models import AuditRecord

from .curated import build_curated

URL = reverse("catalog-import")
GOOD = b"mpn,manufacturer,distributor,distributor_sku\nLM358DR,TI,Digi-Key,296-1-ND\n,TI,,\n"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def reject_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def curated(db):
    return build_curated()


@pytest.fixture
def post():
    """client.post to the upload URL. The module's tests are transactional, so the upload
    commits and the import runs in-process before the view answers, as with no broker."""

    def send(client, data, fmt="multipart", **extra):
        return client.post(URL, data, format=fmt, **extra)

    return send


def upload(content: bytes = GOOD, name: str = "parts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, (401,)),
        ("norole", (403,)),
        ("analyst", (403,)),
        ("researcher", (403,)),
        ("manufacturer_a", (403,)),
        ("manufacturer_b", (403,)),
        ("curator", (200,)),
        ("admin", (200,)),
    ],
)
def test_only_curators_and_admins_may_import(post, client_for, curated, role, expected):
    parts = Part.objects.count()
    response = post(client_for(role), {"file": upload()})
    assert response.status_code in expected, response.content
    assert Part.objects.count() == parts + (1 if response.status_code == 200 else 0)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_are_not_allowed(client_for, method):
    assert getattr(client_for("curator"), method)(URL).status_code == 405


@pytest.mark.parametrize("method", ["get", "delete"])
def test_other_methods_refused_to_analysts_first(client_for, method):
    assert getattr(client_for("analyst"), method)(URL).status_code == 403


def test_upload_answers_the_summary_and_rejects(post, client_for, curated, users):
    response = post(client_for("curator"), {"file": upload()})

    assert response.status_code == 200
    job = response.json()
    assert (job["state"], job["file_name"], job["created_by"]) == ("done", "parts.csv", "curator")
    assert job["url"].endswith(f"/api/v1/catalog/imports/{job['id']}/")
    data = job["summary"]
    assert data["file"] == "parts.csv"
    assert (data["rows"], data["created"], data["rejected"]) == (2, 1, 1)
    assert data["offers_created"] == 1
    assert data["rejects"] == [{"line": 3, "reason": "missing MPN", "excerpt": ",TI,,"}]
    assert data["rejects_truncated"] is False
    assert data["refused"] is None
    assert "reject_path" not in data and "detail" not in data
    run = AuditRecord.objects.filter(action="import").latest("id")
    assert (run.actor, run.object_id) == (users["curator"], data["sha256"])

    again = post(client_for("admin"), {"file": upload()}).json()["summary"]
    assert (again["created"], again["unchanged"], again["offers_unchanged"]) == (0, 1, 1)


def test_upload_streamed_to_disk_takes_the_same_path(post, client_for, curated, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload becomes a temporary file
    response = post(client_for("curator"), {"file": upload()})
    assert response.status_code == 200
    assert response.json()["summary"]["created"] == 1


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"mpn,maker\nA,B\n", "unknown column(s) 'maker'"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV text file"),
        (b"\n\n", "the file is empty"),
    ],
)
def test_bad_files_answer_400_and_change_nothing(post, client_for, curated, content, detail):
    parts = Part.objects.count()
    response = post(client_for("curator"), {"file": upload(content)})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("File refused, nothing changed:")
    assert detail in body["detail"]
    assert Part.objects.count() == parts


def test_strict_upload_with_a_bad_row_changes_nothing(post, client_for, curated):
    content = b"mpn,manufacturer\nNEW1,Never Heard Of It Semiconductor\n,TI\n"
    counts = (Part.objects.count(), Organisation.objects.count(), DistributorOffer.objects.count())

    response = post(client_for("curator"), {"file": upload(content), "strict": "true"})

    assert response.status_code == 400
    body = response.json()
    assert body["state"] == "refused"
    assert body["summary"]["refused"] == "strict mode: 1 of 2 rows rejected"
    assert body["summary"]["rejects"][0]["line"] == 3
    assert (
        Part.objects.count(),
        Organisation.objects.count(),
        DistributorOffer.objects.count(),
    ) == counts


def test_empty_upload_is_a_400(post, client_for):
    response = post(client_for("curator"), {"file": upload(b"")})
    assert response.status_code == 400
    assert response.json() == {"file": ["The submitted file is empty."]}


def test_missing_file_field_is_a_400(post, client_for):
    response = post(client_for("curator"), {"strict": "true"})
    assert response.status_code == 400
    assert "file" in response.json()


def test_strict_must_be_a_boolean(post, client_for):
    response = post(client_for("curator"), {"file": upload(), "strict": "perhaps"})
    assert response.status_code == 400
    assert "strict" in response.json()


def test_json_body_is_unsupported(post, client_for):
    response = post(client_for("curator"), {"file": "x"}, fmt="json")
    assert response.status_code == 415


def test_too_large_upload_is_413(post, client_for, curated, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 10
    parts = Part.objects.count()
    response = post(client_for("curator"), {"file": upload()})
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]
    assert Part.objects.count() == parts


def test_declared_length_over_the_limit_is_refused_before_reading(post, client_for, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1000
    response = post(client_for("curator"), {"file": upload()}, CONTENT_LENGTH="10000000")
    assert response.status_code == 413


def test_token_authentication_works(post, users, curated):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=users["curator"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert post(client, {"file": upload()}).status_code == 200
