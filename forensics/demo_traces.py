"""Demo step: the sample watch list, and a trace-request chain from a Texas Instruments finding of
the GUR data (TI → an authorized distributor → a broker on the list, a request still open)."""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog import screening
from catalog.models import Organisation, ScreeningHit, ScreeningList
from forensics.models import Finding, FindingStatus, TraceRequest
from forensics.services import traces

DEMO_QUESTION = (
    "Demo: please tell us to whom you first sold this lot (buyer, country, date, quantity, "
    "invoice reference), or why it cannot be traced."
)


def load_tracing_demo(data_dir: Path) -> str:
    """Idempotent: the list is imported once, the chain built once."""
    path = Path(data_dir) / "csl-sample.csv"
    if path.exists() and not ScreeningList.objects.exists():
        screening.import_csl_file(path)
    if not TraceRequest.objects.filter(question=DEMO_QUESTION).exists():
        _build_chain()
    organisations = Organisation.objects.filter(pk__in=_chain_parties())
    screening.screen_organisations(organisations.values_list("pk", flat=True))
    return (
        f"Tracing: {TraceRequest.objects.filter(question=DEMO_QUESTION).count()} demo trace "
        f"requests, {ScreeningList.objects.count()} screening lists, "
        f"{ScreeningHit.objects.active().count()} screening hits"
    )


def _chain_parties():
    return TraceRequest.objects.filter(question=DEMO_QUESTION).values("organisation_id")


def _build_chain() -> None:
    users = get_user_model().objects
    analyst = users.filter(username="analyst").first()
    officer = users.filter(username="ti_officer").first()
    confirmed = Finding.objects.filter(
        status=FindingStatus.CONFIRMED, manufacturer__name="Texas Instruments"
    )
    finding = (
        confirmed.filter(part__isnull=False).order_by("pk").first()
        or confirmed.exclude(lot_code="").order_by("pk").first()
        or confirmed.order_by("pk").first()
    )
    if analyst is None or officer is None or finding is None:
        return
    with transaction.atomic():
        first = traces.create_trace_request(
            analyst, [finding.pk], question=DEMO_QUESTION, send=True
        )
        traces.acknowledge(first, officer)
        traces.answer(
            first,
            officer,
            traces.FirstSale(
                sale_date=datetime.date(2022, 11, 14),
                name="Elcom Components Ltd.",
                country="HK",
                role="authorized_distributor",
                quantity=2500,
                invoice_reference="INV-22-11873",
            ),
        )
        second = traces.follow_up(first, analyst, question=DEMO_QUESTION, send=True)
        traces.answer(
            second,
            analyst,
            traces.FirstSale(
                sale_date=datetime.date(2023, 1, 9),
                name="Sinobright Import & Export Co., Ltd.",
                country="CN",
                role="independent_distributor",
                quantity=400,
                note="Answer received by e-mail from Elcom's compliance desk.",
            ),
        )
        traces.follow_up(second, analyst, question=DEMO_QUESTION, send=True)
