"""API writes to the catalog leave audit records: who, what, the state before and after."""

import pytest
from django.contrib.contenttypes.models import ContentType

from catalog.models import Organisation, OrganisationAlias, Ownership, Part
from forensics.models import AuditRecord
from tests.factories import OrganisationFactory


def trail(model, pk):
    return list(
        AuditRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=str(pk)
        ).order_by("id")
    )


@pytest.fixture
def curator(client_for):
    return client_for("curator")


def test_part_create_update_delete_are_audited(curator, users, maker_a):
    response = curator.post(
        "/api/v1/parts/", {"manufacturer": maker_a.pk, "mpn": "LM358DR"}, format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert (
        curator.patch(f"/api/v1/parts/{pk}/", {"mpn": "LM358D"}, format="json").status_code == 200
    )
    assert curator.delete(f"/api/v1/parts/{pk}/").status_code == 204

    created, updated, deleted = trail(Part, pk)
    assert [r.action for r in (created, updated, deleted)] == ["create", "update", "delete"]
    assert {r.actor for r in (created, updated, deleted)} == {users["curator"]}
    assert created.actor_name == "curator"
    assert created.before is None
    assert (created.after["mpn"], created.after["mpn_norm"]) == ("LM358DR", "LM358DR")
    assert created.after["manufacturer_id"] == maker_a.pk
    assert (updated.before["mpn"], updated.after["mpn"]) == ("LM358DR", "LM358D")
    assert updated.after["mpn_norm"] == "LM358D"
    assert deleted.before["mpn"] == "LM358D" and deleted.after is None


def test_organisation_create_update_delete_are_audited(curator, users):
    response = curator.post(
        "/api/v1/organisations/", {"name": "Audit Trail Ltd", "country": "GB"}, format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = curator.patch(
        f"/api/v1/organisations/{pk}/", {"is_importer": True, "notes": "seen"}, format="json"
    )
    assert response.status_code == 200
    assert curator.delete(f"/api/v1/organisations/{pk}/").status_code == 204

    created, updated, deleted = trail(Organisation, pk)
    assert [r.action for r in (created, updated, deleted)] == ["create", "update", "delete"]
    assert all(r.actor == users["curator"] for r in (created, updated, deleted))
    assert created.before is None and created.after["name"] == "Audit Trail Ltd"
    assert created.after["slug"] == "audit-trail-ltd"
    assert (updated.before["is_importer"], updated.after["is_importer"]) == (False, True)
    assert updated.after["notes"] == "seen"
    assert deleted.before["name"] == "Audit Trail Ltd" and deleted.after is None
    assert not Organisation.objects.filter(pk=pk).exists()


def test_refused_writes_leave_no_record(curator, users, maker_a):
    before = AuditRecord.objects.count()
    response = curator.post(
        "/api/v1/organisations/", {"name": "Maker A Semiconductors"}, format="json"
    )
    assert response.status_code == 400
    response = curator.post(
        "/api/v1/parts/", {"manufacturer": maker_a.pk, "mpn": "---"}, format="json"
    )
    assert response.status_code == 400
    assert AuditRecord.objects.count() == before


def test_alias_and_ownership_writes_are_audited_with_derived_owner_changes(curator, users):
    brand, owner = OrganisationFactory(), OrganisationFactory()
    response = curator.post(
        "/api/v1/organisation-aliases/", {"organisation": brand.pk, "name": "BRND"}, format="json"
    )
    assert response.status_code == 201
    alias_record = trail(OrganisationAlias, response.json()["id"])[0]
    assert alias_record.actor == users["curator"] and alias_record.after["key"] == "brnd"

    response = curator.post(
        "/api/v1/ownerships/", {"brand": brand.pk, "owner": owner.pk}, format="json"
    )
    assert response.status_code == 201
    (ownership_record,) = trail(Ownership, response.json()["id"])
    assert ownership_record.after["owner_id"] == owner.pk
    derived = trail(Organisation, brand.pk)[-1]
    assert derived.actor == users["curator"]
    assert (derived.before, derived.after) == ({"owner_id": None}, {"owner_id": owner.pk})
