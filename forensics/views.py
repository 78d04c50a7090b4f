"""Analysts' pages: dashboard, weapon systems (the component atlas), recoveries, the photo viewer.

Views are thin: rows come from `Model.objects.visible_to(user)` and the page FilterSets, numbers
from forensics.services.stats, writes from the services (atomic, audited). What a manufacturer's
officer may read of a recovery follows the API's clearance (`forensics.web.is_redacted`).
Finding pages are in forensics.views_findings.
"""

from collections import Counter
from types import SimpleNamespace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from forensics import crops
from forensics.forms import (
    AtlasFilterSet,
    CustodyEventForm,
    DashboardForm,
    RecoveryForm,
    RecoveryPageFilterSet,
    apply_errors,
)
from forensics.models import (
    AuditRecord,
    CustodyEvent,
    Finding,
    FindingPhoto,
    FindingStatus,
    Photo,
    PhotoDuplicate,
    PhotoState,
    Recovery,
    WeaponSystem,
    WeaponSystemAlias,
)
from forensics.models.findings import LISTED_PHOTOS
from forensics.roles import ADMIN, ANALYST, is_analyst
from forensics.services import evidence, recoveries, stats
from forensics.services.stats import TIER_ORDER
from forensics.templatetags.pages import MAX_TABLE_ROWS
from forensics.web import filtered, is_redacted, paginate, role_required

from .filters import WeaponSystemFilterSet

WRITERS = (ANALYST, ADMIN)
PHOTOS_PER_PAGE = 48
RECENT_FINDINGS = 10
ATLAS_PER_PAGE = 60


def count_of(queryset, field: str):
    """A correlated COUNT of `queryset` rows whose `field` is the outer row (no query per row)."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def sortable(request, columns: dict, default: tuple, *, param: str = "ordering"):
    """(order_by, sort) for a list page's sortable column headers.

    `columns`: key -> (label, fields); `?ordering=key` sorts by the fields ascending, `-key`
    descending (empty values last, the id breaking ties). Any other value is ignored (the list
    keeps `default`) and reported as `sort.invalid`, never an error page. `sort.columns[key]`
    holds what `includes/sort_header.html` needs: the label, the link (the current query with the
    other filters kept, the order toggled and the page reset) and the `aria-sort` of the active
    column; `sort.active` is the accepted value, carried by the filter form.
    """
    raw = request.GET.get(param, "").strip()
    key = raw[1:] if raw.startswith("-") else raw
    valid = key in columns
    descending = valid and raw.startswith("-")
    if valid:
        fields = columns[key][1]
        order_by = [
            F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
            for name in fields
        ] + ["-id" if descending else "id"]
    else:
        order_by = list(default)
    headers = {}
    for name, (label, _) in columns.items():
        active = valid and name == key
        params = request.GET.copy()
        params.pop("page", None)
        params[param] = f"-{name}" if active and not descending else name
        headers[name] = {
            "label": label,
            "url": "?" + params.urlencode(),
            "aria_sort": ("descending" if descending else "ascending") if active else "",
        }
    sort = SimpleNamespace(
        columns=headers,
        active=raw if valid else "",
        invalid=raw if raw and not valid else "",
        param=param,
    )
    return order_by, sort


def finding_photo_links():
    """A finding's photos, oldest link first, with only what thumbnails and crops need, as a plain
    list (`finding.photo_links()`; a related manager's queryset per row cost ~0.5 ms a row)."""
    return Prefetch(
        "finding_photos",
        queryset=FindingPhoto.objects.select_related("photo")
        .only(
            "finding_id",
            "crop_x",
            "crop_y",
            "crop_width",
            "crop_height",
            "photo__id",
            "photo__width",
            "photo__height",
            "photo__thumbnail",
            "photo__state",
            "photo__original_name",
        )
        .annotate(orientation=KeyTextTransform("Orientation", "photo__exif"))
        .order_by("id"),
        to_attr=LISTED_PHOTOS,
    )


def listed_findings(queryset):
    """Findings as lists show them, joined in one query (never a query per row)."""
    return queryset.select_related(
        "recovery__weapon_system", "part", "manufacturer__owner"
    ).prefetch_related(finding_photo_links())


# --------------------------------------------------------------------------------- dashboard


def _list_url(scope: dict, **params) -> str:
    """The finding list showing the findings a chart row counts (`scope`: the statistics'
    parameters, status and weapon system)."""
    base = scope.get("_list") or reverse("forensics:finding-list")
    query = {k: v for k, v in scope.items() if v and v != "all" and not k.startswith("_")}
    return f"{base}?{urlencode({**query, **params})}"


def _country_rows(statistics, scope):
    return [
        {
            "label": row["country"] or "Unknown",
            "value": row["count"],
            "href": _list_url(scope, country=row["country"]) if row["country"] else None,
        }
        for row in statistics["by_country"]
    ]


def _owner_rows(statistics, scope):
    """One row per owner; only the rows the numbers table lists get a link and their brands
    (a large data set has hundreds of owners, the rest are summed into one row)."""
    rows = []
    for index, group in enumerate(statistics["by_manufacturer"]):
        owner = group["owner"]
        if index >= MAX_TABLE_ROWS:
            rows.append({"label": owner["name"], "value": group["count"]})
            continue
        makers = group["manufacturers"]
        several = len(makers) > 1 or (makers and makers[0]["id"] != owner["id"])
        rows.append(
            {
                "label": owner["name"],
                "value": group["count"],
                "href": _list_url(scope, manufacturer=owner["id"]),
                "detail": ", ".join(f"{m['name']} {m['count']}" for m in makers) if several else "",
            }
        )
    if statistics["unidentified_manufacturer"]:
        rows.append(
            {
                "label": "No manufacturer identified",
                "value": statistics["unidentified_manufacturer"],
            }
        )
    return rows


def _tier_rows(statistics, scope):
    return [
        {
            "label": f"Tier {row['tier']}" if row["tier"] else "No CHPL tier",
            "value": row["count"],
            "href": _list_url(scope, chpl_tier=row["tier"]) if row["tier"] in TIER_ORDER else None,
        }
        for row in statistics["by_chpl_tier"]
    ]


def _export_segments(statistics):
    controls = statistics["export_controls"]
    return [
        {"label": "Made after the controls", "value": controls["after"], "css": "after"},
        {"label": "Possibly after", "value": controls["possibly_after"], "css": "possibly"},
        {"label": "Made before", "value": controls["before"], "css": "before"},
        {"label": "No date code", "value": controls["unknown"], "css": "unknown"},
    ]


@role_required()
def dashboard(request):
    """Counts and statistics over what the user may see (forensics.services.stats)."""
    user = request.user
    form = DashboardForm(request.GET or None)
    params = form.statistics_params() if form.is_valid() else {"status": "confirmed"}
    try:
        figures = stats.dashboard_figures(user, params)
    except ValidationError as exc:
        apply_errors(form, exc)
        params = {"status": "confirmed"}
        figures = stats.dashboard_figures(user, params)
    statistics, by_status = figures["statistics"], figures["by_status"]
    statuses = [(label, by_status.get(value, 0), value) for value, label in FindingStatus.choices]
    findings = Finding.objects.visible_to(user)
    if params.get("weapon_system"):
        findings = findings.filter(recovery__weapon_system_id=params["weapon_system"])
    recent = listed_findings(findings.order_by("-created_at", "-id"))[:RECENT_FINDINGS]
    scope = {**params, "_list": reverse("forensics:finding-list")}
    return render(
        request,
        "forensics/dashboard.html",
        {
            "form": form,
            "statistics": statistics,
            "counts": figures["counts"],
            "statuses": statuses,
            "country_rows": _country_rows(statistics, scope),
            "owner_rows": _owner_rows(statistics, scope),
            "tier_rows": _tier_rows(statistics, scope),
            "export_segments": _export_segments(statistics),
            "recent": recent,
            "scope_label": dict(DashboardForm.SCOPES).get(params["status"], params["status"]),
        },
    )


# ----------------------------------------------------------------------------- weapon systems


def _system_counts(user) -> tuple[Counter, Counter]:
    """Visible recoveries and findings per weapon system, in two grouped queries.

    Findings are counted per recovery first (an index-only scan of the finding table) and summed
    per system here: twice as fast as grouping the finding-recovery join by system.
    """
    system_of = dict(Recovery.objects.visible_to(user).values_list("pk", "weapon_system_id"))
    per_recovery = (
        Finding.objects.visible_to(user)
        .order_by()
        .values_list("recovery_id")
        .annotate(n=Count("recovery"))
        .values_list("recovery_id", "n")
    )
    findings: Counter = Counter()
    for recovery_id, n in per_recovery:
        if recovery_id in system_of:
            findings[system_of[recovery_id]] += n
    return Counter(system_of.values()), findings


@role_required()
def weapon_system_list(request):
    user = request.user
    queryset = (
        WeaponSystem.objects.visible_to(user)
        .prefetch_related(Prefetch("aliases", queryset=WeaponSystemAlias.objects.order_by("name")))
        .order_by("name")
    )
    filterset = WeaponSystemFilterSet(request.GET or None, queryset=queryset)
    rows, _ = filtered(filterset)
    page = paginate(request, rows)
    recoveries, findings = _system_counts(user)
    for system in page:
        system.recovery_count = recoveries[system.pk]
        system.finding_count = findings[system.pk]
    return render(
        request,
        "forensics/weapon_system_list.html",
        {"filter": filterset, "page": page},
    )


def _atlas_summary(findings):
    """Findings per category and maker's country, as table rows (one grouped query)."""
    grouped = (
        findings.order_by()
        .values_list("category", "manufacturer__country")
        .annotate(n=Count("pk"))
        .values_list("category", "manufacturer__country", "n")
    )
    by_category: dict[str, dict] = {}
    countries: dict[str, int] = {}
    for category, country, n in grouped:
        row = by_category.setdefault(category or "", {"category": category or "", "total": 0})
        row.setdefault("countries", {})
        row["countries"][country or ""] = row["countries"].get(country or "", 0) + n
        row["total"] += n
        countries[country or ""] = countries.get(country or "", 0) + n
    columns = sorted(countries, key=lambda c: (-countries[c], c == "", c))
    rows = sorted(by_category.values(), key=lambda r: (-r["total"], r["category"]))
    for row in rows:
        row["cells"] = [(country, row["countries"].get(country, 0)) for country in columns]
    return {
        "columns": columns,
        "rows": rows,
        "country_rows": [
            {"label": country or "Unknown", "value": countries[country]} for country in columns
        ],
    }


@role_required()
def weapon_system_detail(request, slug):
    """The component atlas of one weapon system: every component found in it, grouped by
    category and the maker's country, with photos, manufacturers and date codes."""
    user = request.user
    system = get_object_or_404(
        WeaponSystem.objects.visible_to(user).prefetch_related("aliases"), slug=slug
    )
    # The system's recoveries as a literal id list: PostgreSQL then reads its findings through
    # the recovery index instead of scanning the whole table for a join (docs/pages.md).
    recovery_ids = list(Recovery.objects.filter(weapon_system=system).values_list("pk", flat=True))
    base = Finding.objects.visible_to(user).filter(recovery_id__in=recovery_ids)
    filterset = AtlasFilterSet(request.GET or None, queryset=base)
    findings, _ = filtered(filterset)
    findings = listed_findings(findings).order_by(
        "category",
        F("manufacturer__country").asc(nulls_last=True),
        F("manufacturer__name").asc(nulls_last=True),
        "marking",
        "id",
    )
    return render(
        request,
        "forensics/weapon_system_detail.html",
        {
            "system": system,
            "filter": filterset,
            "summary": _atlas_summary(base),
            "recovery_count": Recovery.objects.visible_to(user)
            .filter(weapon_system=system)
            .count(),
            "page": paginate(request, findings, per_page=ATLAS_PER_PAGE, by_id=True),
        },
    )


# ------------------------------------------------------------------------------- recoveries


def _recoveries(user):
    return Recovery.objects.visible_to(user).select_related("weapon_system")


def _count_rows(user, recoveries) -> None:
    """Set `photo_count` and `finding_count` on a page of recoveries: two grouped queries over
    the page's ids, whatever the number of rows (a correlated count per row costs far more)."""
    ids = [recovery.pk for recovery in recoveries]
    counts = {}
    for model in (Photo, Finding):
        counts[model] = dict(
            model.objects.visible_to(user)
            .filter(recovery_id__in=ids)
            .order_by()
            .values_list("recovery_id")
            .annotate(n=Count("recovery"))
            .values_list("recovery_id", "n")
        )
    for recovery in recoveries:
        recovery.photo_count = counts[Photo].get(recovery.pk, 0)
        recovery.finding_count = counts[Finding].get(recovery.pk, 0)


RECOVERY_COLUMNS = {
    "reference": ("Reference", ("reference",)),
    "weapon_system": ("Weapon system", ("weapon_system__name",)),
    "serial_number": ("Serial", ("serial_number",)),
    "recovered_on": ("Recovered", ("recovered_on",)),
    "oblast": ("Oblast", ("oblast",)),
    "sharing": ("Sharing", ("sharing",)),
}
"""The recovery list's sortable columns (photo and finding counts are counted per page)."""


@role_required()
def recovery_list(request):
    order_by, sort = sortable(request, RECOVERY_COLUMNS, ("-recovered_on", "-id"))
    filterset = RecoveryPageFilterSet(
        request.GET or None, queryset=_recoveries(request.user).order_by(*order_by)
    )
    rows, _ = filtered(filterset)
    page = paginate(request, rows)
    _count_rows(request.user, page)
    return render(
        request,
        "forensics/recovery_list.html",
        {
            "filter": filterset,
            "page": page,
            "sort": sort,
            "redacted": is_redacted(request.user),
            "can_write": is_analyst(request.user),
        },
    )


def _photos_of(user, recovery):
    photos = Photo.objects.visible_to(user).filter(recovery=recovery).order_by("pk")
    if is_analyst(user):
        photos = photos.prefetch_related(
            Prefetch(
                "duplicate_links",
                queryset=PhotoDuplicate.objects.order_by("distance", "other_id"),
            )
        )
    return photos


def _photo_grid_context(request, recovery):
    page = paginate(
        request, _photos_of(request.user, recovery), per_page=PHOTOS_PER_PAGE, param="photos_page"
    )
    pending = any(p.state in (PhotoState.PENDING, PhotoState.PROCESSING) for p in page)
    return {"recovery": recovery, "photos": page, "photos_pending": pending}


def _upload_results_key(pk) -> str:
    return f"upload-results-{int(pk)}"


@role_required()
def recovery_detail(request, pk):
    user = request.user
    recovery = get_object_or_404(_recoveries(user).select_related("created_by"), pk=pk)
    key = _upload_results_key(pk)
    upload = request.session.pop(key, None) if key in request.session else None
    return _render_recovery(
        request, recovery, CustodyEventForm() if is_analyst(user) else None, upload=upload
    )


def _upload_report(results) -> dict:
    """The batch service's per-file results as the page shows them (and the session keeps them
    between the POST and the redirect)."""
    files = []
    for result in results:
        if result.created:
            files.append(
                {
                    "file": result.file,
                    "created": True,
                    "id": result.photo.pk,
                    "state": result.photo.get_state_display(),
                    "duplicate_of": result.duplicate_of,
                }
            )
        else:
            files.append({"file": result.file, "created": False, "reason": result.reason})
    created = sum(1 for result in results if result.created)
    return {"files": files, "created": created, "refused": len(results) - created, "error": ""}


@role_required(*WRITERS)
def recovery_upload(request, pk):
    """The recovery page's upload form without JavaScript: the files go through the same batch
    service as `POST /api/v1/recoveries/{id}/photos/` (the drag-and-drop script's endpoint), with
    the same limits. When a file was kept: redirect to the recovery page, which shows each file's
    result once; when every file was refused: the page again with the reasons and a 4xx status."""
    recovery = get_object_or_404(_recoveries(request.user).select_related("created_by"), pk=pk)
    if request.method != "POST":
        return redirect(reverse("forensics:recovery-detail", args=[pk]) + "#photos-h")
    error, status = "", 400
    try:
        evidence.check_upload_size(int(request.META.get("CONTENT_LENGTH") or 0))
        files = request.FILES.getlist("files")
        if not files:
            error = "Choose one or more photos to upload."
        else:
            evidence.check_upload_count(len(files))
    except evidence.UploadRefused as refused:
        error, status = refused.reason, refused.status
    if error:
        upload = {"files": [], "created": 0, "refused": 0, "error": error}
        return _render_recovery(request, recovery, CustodyEventForm(), status=status, upload=upload)
    caption = request.POST.get("caption", "").strip()
    results = evidence.accept_uploads(recovery, files, request.user, caption=caption)
    evidence.hide_unseen_duplicates(request.user, results)
    upload = _upload_report(results)
    if upload["created"]:
        request.session[_upload_results_key(pk)] = upload
        kept = upload["created"]
        messages.success(request, f"{kept} photo{'s' if kept != 1 else ''} uploaded.")
        return redirect(reverse("forensics:recovery-detail", args=[pk]) + "#photos-h")
    statuses = {result.status for result in results}
    status = statuses.pop() if len(statuses) == 1 else 400
    return _render_recovery(request, recovery, CustodyEventForm(), status=status, upload=upload)


def _render_recovery(request, recovery, custody_form, status=200, upload=None):
    user = request.user
    findings = listed_findings(
        Finding.objects.visible_to(user).filter(recovery=recovery).order_by("id")
    )
    context = {
        **_photo_grid_context(request, recovery),
        "findings": paginate(request, findings, param="findings_page", by_id=True),
        "redacted": is_redacted(user),
        "can_write": is_analyst(user),
        "custody_form": custody_form,
        "upload": upload,
        "max_upload_files": settings.MAX_UPLOAD_FILES,
        "max_upload_bytes": settings.MAX_UPLOAD_BYTES,
        "max_upload_megapixels": settings.MAX_UPLOAD_PIXELS // 1_000_000,
        # Files go one request each; SQLite takes one writer at a time, PostgreSQL several.
        "upload_concurrency": 1 if connection.vendor == "sqlite" else 3,
    }
    if is_analyst(user):
        custody = CustodyEvent.objects.visible_to(user).filter(recovery=recovery)
        context["custody"] = paginate(request, custody.order_by("at", "pk"), param="custody_page")
    return render(request, "forensics/recovery_detail.html", context, status=status)


@role_required()
def recovery_photos(request, pk):
    """The photo grid alone: htmx refreshes it after uploads and while photos are processed."""
    recovery = get_object_or_404(Recovery.objects.visible_to(request.user), pk=pk)
    context = {**_photo_grid_context(request, recovery), "can_write": is_analyst(request.user)}
    return render(request, "forensics/includes/photo_grid.html", context)


@role_required(*WRITERS)
def recovery_create(request):
    form = RecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery = recoveries.create_recovery(form.service_data(), request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Recovery {recovery.reference} recorded.")
            return redirect("forensics:recovery-detail", pk=recovery.pk)
    status = 400 if form.errors else 200
    return render(
        request, "forensics/recovery_form.html", {"form": form, "recovery": None}, status=status
    )


@role_required(*WRITERS)
def recovery_edit(request, pk):
    recovery = get_object_or_404(Recovery.objects.visible_to(request.user), pk=pk)
    form = RecoveryForm(request.POST or None, instance=recovery)
    if request.method == "POST" and form.is_valid():
        fresh = Recovery.objects.get(pk=recovery.pk)
        try:
            recoveries.update_recovery(fresh, form.service_data(), request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Recovery {fresh.reference} saved.")
            return redirect("forensics:recovery-detail", pk=recovery.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "forensics/recovery_form.html",
        {"form": form, "recovery": recovery},
        status=status,
    )


@role_required(*WRITERS)
def recovery_custody(request, pk):
    """Append one event to the custody log (POST); errors are shown beside the form's fields."""
    recovery = get_object_or_404(_recoveries(request.user), pk=pk)
    if request.method != "POST":
        return redirect("forensics:recovery-detail", pk=pk)
    form = CustodyEventForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            recoveries.add_custody_event(
                recovery,
                request.user,
                data["action"],
                at=data["at"],
                location=data["location"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Custody event added.")
            return redirect(reverse("forensics:recovery-detail", args=[pk]) + "#custody")
    return _render_recovery(request, recovery, form, status=400)


# ------------------------------------------------------------------------------ photo viewer


def _boxes_on(user, photo, orientation):
    """The crop boxes of the findings shown on this photo, as percentages of the upright image."""
    links = (
        FindingPhoto.objects.filter(
            photo=photo, finding__in=Finding.objects.visible_to(user), crop_x__isnull=False
        )
        .select_related("finding")
        .only("crop_x", "crop_y", "crop_width", "crop_height", "finding__id", "finding__marking")
        .order_by("id")
    )
    boxes = []
    for link in links:
        if None in (link.crop_width, link.crop_height) or not photo.width or not photo.height:
            continue
        box = crops.original_to_upright(
            link.crop_x, link.crop_y, link.crop_width, link.crop_height,
            photo.width, photo.height, orientation,
        )  # fmt: skip
        boxes.append(
            {
                "finding": link.finding,
                "left": round(box.left * 100, 3),
                "top": round(box.top * 100, 3),
                "width": round(box.width * 100, 3),
                "height": round(box.height * 100, 3),
            }
        )
    return boxes


@role_required()
def photo_viewer(request, pk):
    """One photo to zoom into; analysts draw a box around a component to start a finding."""
    user = request.user
    photo = (
        Photo.objects.visible_to(user)
        .select_related("recovery__weapon_system", "uploaded_by")
        .filter(pk=pk)
        .first()
    )
    if photo is None:
        raise Http404("No such photo.")
    siblings = Photo.objects.visible_to(user).filter(recovery_id=photo.recovery_id)
    orientation = crops.orientation_of((photo.exif or {}).get("Orientation"))
    analyst = is_analyst(user)
    duplicates = []
    if analyst:
        duplicates = list(photo.duplicate_links.order_by("distance", "other_id"))
    upright_w, upright_h = crops.upright_size(photo.width or 0, photo.height or 0, orientation)
    return render(
        request,
        "forensics/photo_viewer.html",
        {
            "photo": photo,
            "recovery": photo.recovery,
            "previous_id": siblings.filter(pk__lt=photo.pk)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first(),
            "next_id": siblings.filter(pk__gt=photo.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first(),
            "boxes": _boxes_on(user, photo, orientation),
            "duplicates": duplicates,
            "can_write": analyst,
            "show_exif": analyst,
            "upright_width": upright_w,
            "upright_height": upright_h,
            "redacted": is_redacted(user),
        },
    )


def audit_history(instance, limit: int = 20):
    """The latest audit records of one row (analysts' pages only)."""
    from django.contrib.contenttypes.models import ContentType

    return AuditRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
    ).order_by("-at", "-id")[:limit]
