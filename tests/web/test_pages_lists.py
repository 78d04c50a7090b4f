"""Sortable column headers of the finding and recovery lists, and the finding list's filters that
its form does not show (links from the dashboard and other pages) kept when it is re-submitted."""

import re
from html import unescape

import pytest
from django.urls import reverse

from catalog.models import Organisation
from tests.factories import RecoveryFactory

from .conftest import add_finding

pytestmark = pytest.mark.django_db


def _markings(body: str) -> list[str]:
    return re.findall(r'<td class="marking">([^<]*)</td>', body)


def _header(body: str, label: str) -> str:
    """The <th> whose link reads `label`."""
    return re.search(rf"<th [^>]*>(?:(?!</th>).)*>{re.escape(label)}<span", body, re.S).group(0)


def _href(header: str) -> str:
    return unescape(re.search(r'href="([^"]*)"', header).group(1))


def test_finding_list_sorts_by_a_column_and_marks_it(world, page_client):
    client = page_client("analyst")
    url = reverse("forensics:finding-list")
    body = client.get(url + "?status=confirmed&page=1").content.decode()
    assert "aria-sort" not in body  # newest first, no column marked
    link = _href(_header(body, "Marking"))
    assert link.startswith("?") and "status=confirmed" in link and "ordering=marking" in link
    assert "page=" not in link  # a new order starts on the first page
    ascending = client.get(url + link).content.decode()
    assert _markings(ascending) == sorted(_markings(ascending)) and len(_markings(ascending)) == 4
    header = _header(ascending, "Marking")
    assert 'aria-sort="ascending"' in header
    assert "ordering=-marking" in _href(header)  # a second click reverses
    assert 'name="ordering" value="marking"' in ascending  # re-filtering keeps the order
    descending = client.get(url + "?ordering=-marking").content.decode()
    assert _markings(descending) == sorted(_markings(ascending), reverse=True)
    assert 'aria-sort="descending"' in _header(descending, "Marking")


def test_finding_list_sorts_by_joined_columns(world, page_client):
    client = page_client("analyst")
    body = client.get(reverse("forensics:finding-list") + "?ordering=-recovery").content.decode()
    refs = re.findall(r">(REC-[A-Z]+)</a>", body)
    assert refs == sorted(refs, reverse=True) and refs[0] == "REC-RED"
    by_maker = client.get(reverse("forensics:finding-list") + "?ordering=manufacturer")
    assert by_maker.status_code == 200 and 'aria-sort="ascending"' in by_maker.content.decode()


@pytest.mark.parametrize("bad", ["password", "-", "--marking", "marking;drop", "recovery__analyst"])
def test_a_bad_ordering_is_ignored_and_said(world, page_client, bad):
    for name in ("forensics:finding-list", "forensics:recovery-list"):
        response = page_client("analyst").get(reverse(name), {"ordering": bad, "q": ""})
        body = response.content.decode()
        assert response.status_code == 200, (name, bad)
        assert "Unknown sort order" in body and "aria-sort" not in body
        assert 'name="ordering"' not in body  # not carried into the next request


def test_recovery_list_sorts_by_a_column(world, page_client):
    RecoveryFactory(weapon_system=world["system"], sharing="clear", reference="REC-AAA")
    client = page_client("analyst")
    url = reverse("forensics:recovery-list")
    body = client.get(url + "?sharing=&ordering=reference").content.decode()
    refs = re.findall(r'<th scope="row"><a [^>]*>([^<]*)</a>', body)
    assert refs == sorted(refs) and refs[0] == "REC-AAA"
    assert 'aria-sort="ascending"' in _header(body, "Reference")
    other = _href(_header(body, "Recovered"))
    assert "ordering=recovered_on" in other and "sharing=" in other
    reverse_refs = re.findall(
        r'<th scope="row"><a [^>]*>([^<]*)</a>',
        client.get(url + "?ordering=-reference").content.decode(),
    )
    assert reverse_refs == sorted(refs, reverse=True)


def test_unsorted_tables_elsewhere_keep_plain_headers(world, page_client):
    body = page_client("analyst").get(
        reverse("forensics:recovery-detail", args=[world["green"].pk])
    )
    assert "sort-link" not in body.content.decode()


def test_filters_not_on_the_form_are_carried_and_removable(world, page_client):
    client = page_client("analyst")
    url = reverse("forensics:finding-list")
    green = world["green"]
    body = client.get(url, {"recovery": green.pk, "part": world["part_b"].pk, "q": "maker"})
    text = body.content.decode()
    assert _markings(text) == ["MAKER-B BBB2000Y"]
    form = re.search(r'<form method="get".*?</form>', text, re.S).group(0)
    assert f'<input type="hidden" name="recovery" value="{green.pk}">' in form
    assert f'<input type="hidden" name="part" value="{world["part_b"].pk}">' in form
    chips = re.findall(r'<li class="chip">.*?</li>', form)
    chip = next(chip for chip in chips if "Part: <strong>" in chip)
    remove = _href(chip)
    assert "part=" not in remove and f"recovery={green.pk}" in remove and "q=maker" in remove
    # Re-submitting the form (hidden inputs included, a visible filter changed) keeps them.
    resubmitted = client.get(
        url, {"recovery": green.pk, "part": world["part_b"].pk, "q": "", "status": "confirmed"}
    ).content.decode()
    assert _markings(resubmitted) == ["MAKER-B BBB2000Y"]
    assert len(_markings(client.get(url + remove).content.decode())) == 2  # the recovery's two


def test_a_bad_carried_filter_is_shown_on_its_chip(world, page_client):
    body = page_client("analyst").get(reverse("forensics:finding-list") + "?part=abc").content
    text = body.decode()
    assert re.search(r'<li class="chip has-error">.*Part: <strong>abc</strong>.*number', text)
    assert "Export the" not in text


def test_a_dashboard_owner_link_survives_resubmission(world, page_client, maker_a):
    """An owner that is no manufacturer itself is offered in the select, so re-submitting the
    form keeps the dashboard's `manufacturer=` filter."""
    holding = Organisation.objects.create(name="Holding Group", is_manufacturer=False)
    maker_a.owner = holding
    maker_a.save()
    client = page_client("analyst")
    url = reverse("forensics:finding-list")
    body = client.get(url, {"manufacturer": holding.pk}).content.decode()
    select = re.search(r"<select[^>]*name=\"manufacturer\".*?</select>", body, re.S).group(0)
    assert f'<option value="{holding.pk}" selected>Holding Group</option>' in select
    assert len(_markings(body)) == 3  # maker A's findings, through its owner
    again = client.get(url, {"manufacturer": holding.pk, "status": "confirmed", "q": ""})
    assert len(_markings(again.content.decode())) == 3


def test_findings_filtered_by_recovery_from_its_page(world, page_client):
    green = world["green"]
    add_finding(world["amber"], "ELSEWHERE 1")
    body = page_client("analyst").get(reverse("forensics:finding-list") + f"?recovery={green.pk}")
    text = body.content.decode()
    assert "ELSEWHERE" not in text and "Recovery: <strong>" in text
