"""Helpers of the trace-request and graph tests: confirmed findings straight through the ORM and
a trace request taken to a given state through the service."""

import datetime

from django.utils import timezone

from forensics.models import Finding, FindingPhoto, FindingStatus, Sharing
from forensics.services import traces

from .findings_support import part_of, photo, recovery


def confirmed_finding(rec, maker, mpn="TRC100", lot="LOT42", marking=None, with_photo=True):
    part = part_of(maker, mpn) if mpn else None
    finding = Finding.objects.create(
        recovery=rec,
        marking=marking or f"{mpn or 'XX'} 2234 {lot}",
        part=part,
        manufacturer=maker,
        status=FindingStatus.CONFIRMED,
        confirmed_at=timezone.now(),
        lot_code=lot,
        date_code="2234",
    )
    if with_photo:
        FindingPhoto.objects.create(finding=finding, photo=photo(rec))
    return finding


def amber_recovery(**fields):
    fields.setdefault("recovered_on", datetime.date(2024, 3, 17))
    fields.setdefault("oblast", "Kharkiv")
    return recovery(sharing=Sharing.AMBER, **fields)


def sent_request(analyst, finding, **kwargs):
    return traces.create_trace_request(analyst, [finding.pk], send=True, **kwargs)


def first_sale(distributor=None, name="", country="", day=datetime.date(2023, 5, 2), **fields):
    return traces.FirstSale(
        sale_date=day, distributor=distributor, name=name, country=country, **fields
    )
