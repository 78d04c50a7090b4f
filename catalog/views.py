"""Catalog pages: search, part, manufacturer and organisation pages, supply-chain graphs, and the
curators' imports.

Views are thin. Rows come from `Model.objects.visible_to(user)` and the API's FilterSets; the search
reads markings through `catalog.resolver` (for the roles the resolve API admits); graphs are
`forensics.services.graph` (the very JSON the graph endpoints answer); imports run
`catalog.importer.import_catalog_file` (as the upload endpoint does) and `catalog.screening`;
screening verdicts are `catalog.screening.mark_false_positive` / `clear_false_positive`.
"""

import csv
import re
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog import import_jobs, resolver, screening
from catalog.api.imports import max_import_bytes
from catalog.api.views import INVESTIGATORS
from catalog.filters import PartFilterSet, with_brands
from catalog.forms import (
    CatalogImportForm,
    CatalogSearchForm,
    FalsePositiveForm,
    GraphDepthForm,
    ManufacturerPageFilterSet,
    OrganisationPageFilterSet,
    ScreeningImportForm,
    SupplyLinkPageFilterSet,
)
from catalog.models import (
    CatalogImportJob,
    Confidence,
    DistributorOffer,
    EvidenceKind,
    HsCode,
    ImportJobState,
    MarkingCode,
    Organisation,
    OrganisationAlias,
    Ownership,
    Part,
    PrefixFamily,
    ScreeningDismissal,
    ScreeningHit,
    ScreeningList,
    SupplyLink,
    can_see_screening,
)
from catalog.resolver.tokenize import tokenize
from catalog.templatetags.catalog_pages import role_label
from forensics.api.views_traces import GRAPH_READERS
from forensics.models import Finding, TraceRequest, TraceState
from forensics.roles import ADMIN, ANALYST, CURATOR, has_role, is_curator
from forensics.services import graph
from forensics.views import count_of, listed_findings
from forensics.web import filtered, is_redacted, paginate, role_required

CURATORS = (CURATOR, ADMIN)
CLOSED_STATES = (TraceState.CLOSED, TraceState.DECLINED)
"""A finding whose every trace request ended so may be asked about again."""
LIST_SIZE = 25
SEARCH_SIZE = 20
GRAPH_ROWS = 50
"""Rows per page of a graph's organisation and link tables (the drawing holds them all)."""
MAX_PART_TERMS = 4
REJECT_FILE = re.compile(r"^[\w.\-]+\.rejects\.csv$")


def _parts_with_counts(queryset, user):
    """Parts as lists show them: maker and owner joined, counts as correlated subqueries."""
    queryset = queryset.select_related("manufacturer__owner").annotate(
        finding_count=count_of(Finding.objects.visible_to(user), "part")
    )
    if not is_redacted(user):
        queryset = queryset.annotate(
            offer_count=count_of(DistributorOffer.objects.visible_to(user), "part")
        )
    return queryset


def _makers_with_counts(queryset, user):
    return (
        queryset.select_related("owner")
        .annotate(part_count=count_of(Part.objects.visible_to(user), "manufacturer"))
        .order_by("name", "pk")
    )


def _owner_visible(user, org) -> bool:
    """Whether the page may link to the organisation's owner (a brand's officer sees only its
    own organisation, not the group that bought it)."""
    if org.owner_id is None:
        return False
    return Organisation.objects.visible_to(user).filter(pk=org.owner_id).exists()


# ------------------------------------------------------------------------------------ search


def _part_terms(text: str) -> list[str]:
    """The typed text and the part-number candidates the tokenizer reads in it (`LM258 274
    ZD0XG3` → LM258), so a marking finds its part by MPN prefix as well."""
    terms = [text]
    try:
        tokenized = tokenize(text)
    except ValueError:
        return terms
    for candidate in tokenized.part_candidates:
        if candidate not in terms:
            terms.append(candidate)
    return terms[: MAX_PART_TERMS + 1]


def _matching_parts(user, terms: list[str]):
    """Visible parts whose MPN starts with one of `terms`, by the parts API's `q` filter."""
    base = Part.objects.visible_to(user)
    matched = None
    for term in terms:
        filterset = PartFilterSet({"q": term}, queryset=base)
        if not filterset.is_valid():
            continue
        matched = filterset.qs if matched is None else matched | filterset.qs
    return base.none() if matched is None else matched


def _candidate_rows(user, reading) -> list[dict]:
    """The resolver's candidates, limited to parts and makers the user may open."""
    if reading is None:
        return []
    candidates = reading.candidates
    part_ids = {c.part_id for c in candidates if c.part_id}
    maker_ids = {c.manufacturer_id for c in candidates} | {c.owner_id for c in candidates}
    parts = set(Part.objects.visible_to(user).filter(pk__in=part_ids).values_list("pk", flat=True))
    makers = set(
        Organisation.objects.visible_to(user).filter(pk__in=maker_ids).values_list("pk", flat=True)
    )
    rows = []
    for candidate in candidates:
        if candidate.manufacturer_id not in makers:
            continue
        if candidate.part_id and candidate.part_id not in parts:
            continue
        rows.append({"c": candidate, "owner_visible": candidate.owner_id in makers})
    return rows


@role_required()
def search(request):
    """Parts and manufacturers for a part number, a marking as read off a chip, or a name."""
    user = request.user
    form = CatalogSearchForm(request.GET or None)
    context = {"form": form, "searched": False, "can_resolve": has_role(user, *INVESTIGATORS)}
    text = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    if text:
        reading = resolver.resolve(text) if context["can_resolve"] else None
        parts = _parts_with_counts(_matching_parts(user, _part_terms(text)), user)
        makers = ManufacturerPageFilterSet(
            {"q": text}, queryset=Organisation.objects.visible_to(user).manufacturers()
        )
        maker_rows, _ = filtered(makers)
        context.update(
            searched=True,
            text=text,
            reading=reading,
            candidates=_candidate_rows(user, reading),
            parts=paginate(request, parts.order_by("mpn_norm", "pk"), per_page=SEARCH_SIZE),
            makers=paginate(
                request,
                _makers_with_counts(maker_rows, user),
                per_page=SEARCH_SIZE,
                param="makers_page",
            ),
        )
    return render(request, "catalog/search.html", context, status=400 if form.errors else 200)


# ------------------------------------------------------------------------------------- parts


@role_required()
def part_detail(request, pk):
    """A part: what it is, where it was found (the findings the user may see), who offers it."""
    user = request.user
    part = get_object_or_404(
        Part.objects.visible_to(user).select_related("manufacturer__owner"), pk=pk
    )
    findings = Finding.objects.visible_to(user).filter(part=part)
    found_in = (
        findings.order_by()
        .values("recovery__weapon_system__name", "recovery__weapon_system__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "recovery__weapon_system__name")
    )
    offers = (
        DistributorOffer.objects.visible_to(user)
        .filter(part=part)
        .select_related("distributor")
        .order_by("distributor__name", "sku")
    )
    links = (
        SupplyLink.objects.visible_to(user)
        .filter(part=part)
        .select_related("seller", "buyer")
        .order_by("-start_date", "-id")
    )
    return render(
        request,
        "catalog/part_detail.html",
        {
            "part": part,
            "hs": HsCode.objects.filter(code=part.hs_code).first() if part.hs_code else None,
            "owner_visible": _owner_visible(user, part.manufacturer),
            "found_in": list(found_in),
            "findings": paginate(
                request,
                listed_findings(findings).order_by("-created_at", "-id"),
                per_page=LIST_SIZE,
                param="findings_page",
            ),
            "redacted": is_redacted(user),
            "show_offers": not is_redacted(user),
            "offers": paginate(request, offers, per_page=LIST_SIZE, param="offers_page"),
            "links": paginate(request, links, per_page=LIST_SIZE, param="links_page"),
            "show_links": has_role(user, *GRAPH_READERS),
            "marking_codes": MarkingCode.objects.visible_to(user).filter(part=part)[:50],
        },
    )


# ----------------------------------------------------------------------------- manufacturers


@role_required()
def manufacturer_list(request):
    user = request.user
    base = Organisation.objects.visible_to(user).manufacturers()
    filterset = ManufacturerPageFilterSet(request.GET or None, queryset=base, request=request)
    rows, valid = filtered(filterset)
    rows = _makers_with_counts(rows, user).annotate(
        finding_count=count_of(Finding.objects.visible_to(user), "manufacturer")
    )
    return render(
        request,
        "catalog/manufacturer_list.html",
        {"filter": filterset, "page": paginate(request, rows)},
        status=200 if valid else 400,
    )


@role_required()
def manufacturer_detail(request, pk):
    """A manufacturer: its aliases, owner and acquisitions, brands, parts and findings."""
    user = request.user
    org = get_object_or_404(
        Organisation.objects.visible_to(user).manufacturers().select_related("owner"), pk=pk
    )
    visible = Organisation.objects.visible_to(user)
    family = with_brands(org)
    parts = Part.objects.visible_to(user)
    findings = Finding.objects.visible_to(user).filter(manufacturer_id__in=family)
    brands = _makers_with_counts(visible.filter(owner=org), user)
    ownerships = (
        Ownership.objects.visible_to(user)
        .filter(Q(brand=org) | Q(owner=org))
        .select_related("brand", "owner")
        .order_by("start", "pk")
    )
    return render(
        request,
        "catalog/manufacturer_detail.html",
        {
            "org": org,
            "owner_visible": _owner_visible(user, org),
            "aliases": OrganisationAlias.objects.visible_to(user)
            .filter(organisation=org)
            .order_by("name"),
            "ownerships": ownerships,
            "brands": brands,
            "part_count": parts.filter(manufacturer=org).count(),
            "group_part_count": parts.filter(manufacturer_id__in=family).count(),
            "finding_count": findings.count(),
            "prefixes": PrefixFamily.objects.visible_to(user)
            .filter(manufacturer=org)
            .order_by("prefix_norm"),
            "parts": paginate(
                request,
                _parts_with_counts(parts.filter(manufacturer_id__in=family), user).order_by(
                    "mpn_norm", "pk"
                ),
                per_page=LIST_SIZE,
                param="parts_page",
            ),
            "findings": paginate(
                request,
                listed_findings(findings).order_by("-created_at", "-id"),
                per_page=LIST_SIZE,
                param="findings_page",
            ),
            "redacted": is_redacted(user),
            "show_offers": not is_redacted(user),
            "investigator": has_role(user, *INVESTIGATORS),
            "show_graph": has_role(user, *GRAPH_READERS),
        },
    )


# ----------------------------------------------------------------------------- organisations


def _with_hit_counts(queryset, user):
    if not can_see_screening(user):
        return queryset
    return queryset.annotate(
        hit_count=count_of(ScreeningHit.objects.visible_to(user).active(), "organisation")
    )


@role_required(*INVESTIGATORS)
def organisation_list(request):
    """Every party of the supply chains (not for manufacturers' users: it names their customers)."""
    user = request.user
    base = Organisation.objects.visible_to(user).select_related("owner")
    filterset = OrganisationPageFilterSet(request.GET or None, queryset=base, request=request)
    rows, valid = filtered(filterset)
    rows = _with_hit_counts(rows, user).order_by("name", "pk")
    return render(
        request,
        "catalog/organisation_list.html",
        {
            "filter": filterset,
            "page": paginate(request, rows),
            "screening": can_see_screening(user),
        },
        status=200 if valid else 400,
    )


@role_required(*INVESTIGATORS)
def organisation_detail(request, pk):
    """An organisation with its screening hits, aliases and supply links."""
    user = request.user
    org = get_object_or_404(
        Organisation.objects.visible_to(user)
        .select_related("owner")
        .prefetch_related(
            Prefetch("aliases", queryset=OrganisationAlias.objects.order_by("name")),
            Prefetch("brands", queryset=Organisation.objects.order_by("name")),
        ),
        pk=pk,
    )
    hits = (
        ScreeningHit.objects.visible_to(user)
        .filter(organisation=org)
        .select_related("entry", "screening_list")
        .order_by("false_positive", "-score", "pk")
    )
    dismissals = {
        (d.screening_list_id, d.entry_uid): d
        for d in ScreeningDismissal.objects.visible_to(user)
        .filter(organisation=org)
        .select_related("marked_by")
    }
    hit_page = paginate(request, hits, per_page=LIST_SIZE, param="hits_page")
    for hit in hit_page:
        hit.dismissal = dismissals.get((hit.screening_list_id, hit.entry.uid))
    links = (
        SupplyLink.objects.visible_to(user)
        .filter(Q(seller=org) | Q(buyer=org))
        .select_related("seller", "buyer", "part")
        .order_by("-start_date", "-id")
    )
    return render(
        request,
        "catalog/organisation_detail.html",
        {
            "org": org,
            "screening": can_see_screening(user),
            "hits": hit_page,
            "active_hits": hits.filter(false_positive=False).count(),
            "can_judge": is_curator(user),
            "links": paginate(request, links, per_page=LIST_SIZE, param="links_page"),
            "offer_count": DistributorOffer.objects.visible_to(user)
            .filter(distributor=org)
            .count(),
            "show_graph": has_role(user, *GRAPH_READERS),
        },
    )


@require_POST
@role_required(*CURATORS)
def screening_hit_verdict(request, pk):
    """Mark a screening hit as a false positive (it sticks across re-imports), or withdraw that."""
    hit = get_object_or_404(ScreeningHit.objects.visible_to(request.user), pk=pk)
    target = reverse("catalog:organisation-detail", args=[hit.organisation_id])
    if request.POST.get("action") == "clear":
        screening.clear_false_positive(hit, request.user)
        messages.success(request, f"{hit.entry_name}: marked as a possible match again.")
        return redirect(target)
    form = FalsePositiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("reason", [])))
        return redirect(target)
    screening.mark_false_positive(hit, request.user, form.cleaned_data["reason"])
    messages.success(request, f"{hit.entry_name}: marked as a false positive.")
    return redirect(target)


# ------------------------------------------------------------------------------ supply chain


@role_required(*GRAPH_READERS)
def supply_chain(request):
    """Every recorded supply link, newest first, each leading to its organisations' graphs."""
    user = request.user
    base = SupplyLink.objects.visible_to(user).select_related("seller", "buyer", "part")
    filterset = SupplyLinkPageFilterSet(request.GET or None, queryset=base)
    rows, valid = filtered(filterset)
    flagged = set()
    page = paginate(request, rows.order_by("-created_at", "-id"))
    if can_see_screening(user):
        ids = {link.seller_id for link in page} | {link.buyer_id for link in page}
        flagged = set(
            ScreeningHit.objects.visible_to(user)
            .active()
            .filter(organisation_id__in=ids)
            .values_list("organisation_id", flat=True)
        )
    return render(
        request,
        "catalog/supply_chain.html",
        {"filter": filterset, "page": page, "flagged": flagged},
        status=200 if valid else 400,
    )


ROLE_STYLES = [
    ("manufacturer", "#0a5bd3", "round-rectangle"),
    ("authorized_distributor", "#1a7f37", "ellipse"),
    ("independent_distributor", "#b45309", "diamond"),
    ("importer", "#8250df", "hexagon"),
    ("freight_forwarder", "#57606a", "triangle"),
    ("end_user", "#7d4e00", "rectangle"),
    ("other", "#6e7781", "ellipse"),
]
"""Colour and shape per organisation role (shape too, so the graph reads without colour)."""


def _primary_role(roles: list[str]) -> str:
    return next((role for role, _c, _s in ROLE_STYLES if role in roles), "other")


def _graph_context(request, data: dict) -> dict:
    """The graph's JSON exactly as the API answers it (for the script), the same nodes and edges
    as table rows, paginated (for everyone, and for screen readers), and the legend."""
    names = {node["id"]: node["name"] for node in data["nodes"]}
    evidence, confidence = dict(EvidenceKind.choices), dict(Confidence.choices)
    nodes = paginate(
        request,
        sorted(data["nodes"], key=lambda node: (node["depth"], node["name"].lower())),
        per_page=GRAPH_ROWS,
        param="nodes_page",
    )
    nodes.object_list = [
        {**node, "primary_role": _primary_role(node["roles"])} for node in nodes.object_list
    ]
    edges = paginate(request, data["edges"], per_page=GRAPH_ROWS, param="edges_page")
    edges.object_list = [
        {
            **edge,
            "seller_name": names.get(edge["seller"], edge["seller"]),
            "buyer_name": names.get(edge["buyer"], edge["buyer"]),
            "evidence_label": evidence.get(edge["evidence_kind"], edge["evidence_kind"]),
            "confidence_label": confidence.get(edge["confidence"], edge["confidence"]),
        }
        for edge in edges.object_list
    ]
    styles = {
        "roles": [[role, role_label(role), colour, shape] for role, colour, shape in ROLE_STYLES],
        "evidence": evidence,
        "confidence": confidence,
    }
    return {
        "graph": data,
        "graph_styles": styles,
        "legend": styles["roles"],
        "node_rows": nodes,
        "edge_rows": edges,
    }


@role_required(*GRAPH_READERS)
def organisation_graph(request, pk):
    """The supply links around an organisation, both directions, to the depth asked."""
    user = request.user
    org = get_object_or_404(Organisation.objects.visible_to(user), pk=pk)
    form = GraphDepthForm(request.GET or None, initial={"depth": graph.DEFAULT_DEPTH})
    result = graph.organisation_graph(org, form.depth_or_default(), user).as_dict()
    return render(
        request,
        "catalog/graph.html",
        {
            "form": form,
            "org": org,
            "subject": org.name,
            "screening": can_see_screening(user),
            "api_url": f"/api/v1/organisations/{org.pk}/graph/",
            **_graph_context(request, {"organisation": org.pk, **result}),
        },
        status=400 if form.errors else 200,
    )


@role_required(*GRAPH_READERS)
def finding_trace(request, pk):
    """A finding's trace: the chain downstream of its manufacturer along its part and lot, and the
    trace requests asked about it."""
    user = request.user
    finding = get_object_or_404(
        Finding.objects.visible_to(user).select_related(
            "manufacturer__owner", "part__manufacturer", "recovery__weapon_system"
        ),
        pk=pk,
    )
    form = GraphDepthForm(request.GET or None, initial={"depth": graph.DEFAULT_DEPTH})
    result = graph.finding_trace(finding, form.depth_or_default(), user).as_dict()
    requests_ = (
        TraceRequest.objects.visible_to(user)
        .filter(findings=finding)
        .select_related("organisation", "answer__distributor")
        .order_by("created_at", "pk")
    )
    return render(
        request,
        "catalog/graph.html",
        {
            "form": form,
            "finding": finding,
            "subject": f"Finding {finding.pk}",
            "screening": can_see_screening(user),
            "api_url": f"/api/v1/findings/{finding.pk}/trace/",
            "trace_requests": requests_,
            "can_open_trace": has_role(user, ANALYST, ADMIN)
            and not any(t.state not in CLOSED_STATES for t in requests_),
            **_graph_context(request, {"finding": finding.pk, **result}),
        },
        status=400 if form.errors else 200,
    )


# ----------------------------------------------------------------------------------- imports


def _xhr(request) -> bool:
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


RECENT_IMPORTS = 10


def _imports_context(user, **forms) -> dict:
    return {
        "catalog_form": forms.get("catalog_form") or CatalogImportForm(),
        "screening_form": forms.get("screening_form") or ScreeningImportForm(),
        "max_bytes": max_import_bytes(),
        "lists": ScreeningList.objects.select_related("imported_by").order_by("source"),
        "jobs": CatalogImportJob.objects.visible_to(user).select_related("created_by")[
            :RECENT_IMPORTS
        ],
    }


def _render_import(request, panel: str, context: dict, status: int):
    """The whole page, or only the panel the upload script swaps in after its progress bar."""
    if _xhr(request):
        return render(request, f"catalog/includes/import_{panel}.html", context, status=status)
    return render(request, "catalog/imports.html", context, status=status)


@role_required(*CURATORS)
def imports(request):
    return render(request, "catalog/imports.html", _imports_context(request.user))


def _too_large(form, upload) -> bool:
    limit = max_import_bytes()
    if upload.size > limit:
        form.add_error(
            "file",
            f"The file is {upload.size:,} bytes, more than the {limit:,}-byte limit of an upload; "
            "import big files with `manage.py import_catalog`.",
        )
        return True
    return False


@require_POST
@role_required(*CURATORS)
def import_catalog(request):
    """The catalog CSV upload (the same background import as `POST /api/v1/catalog/import/`):
    the summary when the import already ran (in-process mode), else a link to follow it."""
    form = CatalogImportForm(request.POST, request.FILES)
    job = None
    if form.is_valid() and not _too_large(form, form.cleaned_data["file"]):
        job = import_jobs.queue_import(
            form.cleaned_data["file"], request.user, strict=form.cleaned_data["strict"]
        )
        if job.state == ImportJobState.REFUSED:
            form.add_error("file", f"File refused, nothing changed: {job.error}")
        elif job.state == ImportJobState.FAILED:
            form.add_error("file", f"The import crashed, nothing changed: {job.error}")
    context = _imports_context(request.user, catalog_form=form)
    if job is not None and not form.errors:
        context.update(_job_result(job, "catalog_summary", "queued_job"))
    return _render_import(request, "catalog", context, 400 if form.errors else 200)


def _job_result(job: CatalogImportJob, summary_name: str, pending_name: str) -> dict:
    if job.state == ImportJobState.DONE:
        return {summary_name: job.summary, "reject_name": job.reject_name}
    if not job.finished:
        return {pending_name: job}
    return {}


@role_required(*CURATORS)
def import_job(request, pk):
    """One catalog import: its state, the summary once done; refreshes itself while it waits."""
    job = get_object_or_404(
        CatalogImportJob.objects.visible_to(request.user).select_related("created_by"), pk=pk
    )
    return render(
        request,
        "catalog/import_job.html",
        {"job": job, **_job_result(job, "summary", "pending")},
    )


@require_POST
@role_required(*CURATORS)
def import_screening(request):
    """A Consolidated Screening List file: each list replaced, every party screened again."""
    form = ScreeningImportForm(request.POST, request.FILES)
    result = None
    if form.is_valid() and not _too_large(form, form.cleaned_data["file"]):
        upload = form.cleaned_data["file"]
        try:
            result = screening.import_csl(
                upload.read(),
                file_name=upload.name,
                file_date=form.cleaned_data["file_date"],
                actor=request.user,
                allow_older=form.cleaned_data["allow_older"],
            )
        except screening.ScreeningImportError as exc:
            form.add_error("file", f"{exc} Nothing was changed.")
    context = _imports_context(request.user, screening_form=form)
    context["screening_result"] = result
    return _render_import(request, "screening", context, 400 if form.errors else 200)


class RejectFile:
    """A reject report read lazily for the paginator: rows are counted once, pages sliced."""

    def __init__(self, path: Path):
        self.path = path
        self._count = None

    def _rows(self):
        with open(self.path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            yield from reader

    def count(self) -> int:
        if self._count is None:
            self._count = sum(1 for _ in self._rows())
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            raise TypeError("RejectFile pages by slices")
        return list(islice(self._rows(), item.start, item.stop))


def _reject_path(name: str) -> Path:
    if not REJECT_FILE.match(name):
        raise Http404("No such reject report.")
    path = Path(settings.VAR_DIR) / "imports" / name
    if not path.is_file():
        raise Http404("No such reject report.")
    return path


@role_required(*CURATORS)
def import_rejects(request, name):
    """The rejected lines of a catalog import: line number, reason and the line as read."""
    path = _reject_path(name)
    return render(
        request,
        "catalog/import_rejects.html",
        {"name": name, "page": paginate(request, RejectFile(path))},
    )


@role_required(*CURATORS)
def import_rejects_csv(request, name):
    return FileResponse(
        open(_reject_path(name), "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=name,
        content_type="text/csv",
    )
