"""Finding pages: the filtered list with its exports, a finding's page with the analyst's verdicts,
finding entry (from a box drawn on a photo) and the resolver's live preview as the marking is typed.

Every write is a call to forensics.services.findings (atomic, audited, the resolver taught on
confirmation); the live preview calls `catalog.resolver.resolve`, as `POST /api/v1/resolve/` does.
"""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog import resolver
from catalog.api.views_resolve import INVESTIGATORS
from forensics import crops
from forensics.forms import (
    ConfirmForm,
    FindingForm,
    FindingPageFilterSet,
    PhotoLinkForm,
    PhotoLinkFormSet,
    VerdictForm,
    apply_errors,
)
from forensics.models import Finding, FindingStatus, Photo, Recovery
from forensics.roles import is_analyst
from forensics.services import findings as services
from forensics.web import filtered, is_redacted, paginate, role_required

from .views import WRITERS, audit_history, listed_findings, sortable

MAX_PREVIEW_CHARS = 2000
LINKS_PREFIX = "links"


FINDING_COLUMNS = {
    "id": ("Finding", ("id",)),
    "marking": ("Marking", ("marking",)),
    "manufacturer": ("Part · manufacturer", ("manufacturer__name", "part__mpn")),
    "date_code": ("Date code", ("manufactured_from",)),
    "status": ("Status", ("status",)),
    "recovery": ("Recovery", ("recovery__reference",)),
}
"""The finding list's sortable columns (`?ordering=`); newest first when none is chosen."""

SHOWN_FILTERS = (
    "q",
    "status",
    "weapon_system",
    "manufacturer",
    "country",
    "chpl_tier",
    "after_export_controls",
    "category",
    "recovered_after",
    "recovered_before",
)
"""The filters the finding list's form shows; the FilterSet's others (recovery, owner, part,
manufacture dates: links from other pages) are carried as hidden inputs and shown as chips."""


def _carried_filters(request, filterset) -> list[dict]:
    """The recognised filters in the query string that the form does not show: each with its
    label, value, errors and the link that removes it (page reset)."""
    carried = []
    for name, filter_ in filterset.filters.items():
        value = request.GET.get(name, "").strip()
        if name in SHOWN_FILTERS or not value:
            continue
        params = request.GET.copy()
        params.pop(name, None)
        params.pop("page", None)
        carried.append(
            {
                "name": name,
                "label": filter_.label or name.replace("_", " ").capitalize(),
                "value": value,
                "errors": filterset.form.errors.get(name, []) if filterset.is_bound else [],
                "remove_url": "?" + params.urlencode(),
            }
        )
    return carried


@role_required()
def finding_list(request):
    """Findings with the list API's filters; the export links carry the same query string."""
    user = request.user
    base = Finding.objects.visible_to(user)
    filterset = FindingPageFilterSet(request.GET or None, queryset=base, user=user)
    rows, valid = filtered(filterset)
    order_by, sort = sortable(request, FINDING_COLUMNS, ("-created_at", "-id"))
    rows = listed_findings(rows).order_by(*order_by)
    return render(
        request,
        "forensics/finding_list.html",
        {
            "filter": filterset,
            "valid": valid,
            "shown_fields": [filterset.form[name] for name in SHOWN_FILTERS],
            "carried": _carried_filters(request, filterset),
            "sort": sort,
            "page": paginate(request, rows, by_id=True),
            "redacted": is_redacted(user),
            "export_url": reverse("finding-export"),
        },
    )


def _visible_finding(user, pk):
    finding = (
        listed_findings(Finding.objects.visible_to(user))
        .select_related("analyst", "confirmed_by", "recovery__weapon_system")
        .filter(pk=pk)
        .first()
    )
    if finding is None:
        raise Http404("No such finding.")
    return finding


def _pending(finding) -> bool:
    """The resolver has not answered for the current marking yet (its task is queued)."""
    if finding.status != FindingStatus.UNRESOLVED:
        return False
    return finding.resolved_at is None or finding.resolved_at < finding.marking_changed_at


def _candidates(finding):
    """The stored candidates, each marked when it is the finding's current part/manufacturer."""
    rows = []
    for candidate in finding.candidates or []:
        same_part = candidate.get("part_id") and candidate.get("part_id") == finding.part_id
        same_maker = not candidate.get("part_id") and (
            candidate.get("manufacturer_id") == finding.manufacturer_id
        )
        rows.append({**candidate, "current": bool(same_part or same_maker)})
    return rows


def _finding_context(request, finding):
    user = request.user
    analyst = is_analyst(user)
    return {
        "finding": finding,
        "redacted": is_redacted(user),
        "can_write": analyst,
        "pending": _pending(finding),
        "candidates": [] if is_redacted(user) else _candidates(finding),
        "links": finding.photo_links(),
        "history": audit_history(finding) if analyst else [],
        "reject_form": VerdictForm(prefix="reject"),
        "unidentifiable_form": VerdictForm(prefix="unidentifiable"),
    }


@role_required()
def finding_detail(request, pk):
    finding = _visible_finding(request.user, pk)
    context = _finding_context(request, finding)
    if request.GET.get("panel") == "resolution":
        return render(request, "forensics/includes/finding_resolution.html", context)
    return render(request, "forensics/finding_detail.html", context)


def _box_initial(request, recovery) -> dict:
    """Initial photo and crop box from the viewer (`?photo=ID&box=left,top,right,bottom`, the
    box as fractions of the upright image), converted to original pixels."""
    photo_id = request.GET.get("photo")
    if not photo_id or not photo_id.isdigit():
        return {}
    photo = Photo.objects.filter(pk=photo_id, recovery=recovery).only(
        "id", "width", "height", "exif"
    )
    photo = photo.first()
    if photo is None:
        return {}
    initial = {"photo": photo.pk}
    try:
        box = crops.Box.parse(request.GET.get("box", ""))
    except ValueError:
        return initial
    if photo.width and photo.height:
        orientation = (photo.exif or {}).get("Orientation")
        x, y, w, h = crops.upright_to_original(box, photo.width, photo.height, orientation)
        initial.update(crop_x=x, crop_y=y, crop_width=w, crop_height=h)
    return initial


@role_required(*WRITERS)
def finding_create(request, recovery_pk):
    """Record a finding in a recovery; the resolver proposes a part once it is saved."""
    recovery = get_object_or_404(
        Recovery.objects.visible_to(request.user).select_related("weapon_system"), pk=recovery_pk
    )
    if request.method == "POST":
        form = FindingForm(request.POST, recovery=recovery)
        if form.is_valid():
            try:
                finding = services.create_finding(
                    request.user,
                    photos=form.photo_links(),
                    recovery=recovery,
                    **form.service_fields(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Finding {finding.pk} recorded.")
                return redirect("forensics:finding-detail", pk=finding.pk)
    else:
        form = FindingForm(recovery=recovery, initial=_box_initial(request, recovery))
    return _render_form(request, form, recovery, None)


@role_required(*WRITERS)
def finding_edit(request, pk):
    """Edit a finding. With one photo (or none) the form has the photo and box fields of the entry
    form, and a link (`?photos=rows`) to the other layout; with several, one row per linked photo
    (its box editable, the link removable) and a row to add another: the service replaces the
    links with the rows kept, in one audited write."""
    finding = _visible_finding(request.user, pk)
    recovery = finding.recovery
    links = finding.photo_links()
    post = request.POST if request.method == "POST" else None
    # The rows the page was drawn with decide, so a link added meanwhile is never dropped unseen.
    if post is not None:
        several = f"{LINKS_PREFIX}-TOTAL_FORMS" in post
    else:
        several = len(links) > 1 or request.GET.get("photos") == "rows"
    photo_forms = None
    if several:
        photo_forms = PhotoLinkFormSet(
            post,
            prefix=LINKS_PREFIX,
            initial=_posted_rows(post) if post is not None else PhotoLinkForm.initial_for(finding),
            form_kwargs={"recovery": recovery},
        )
    with_photo = not several and len(links) <= 1
    if post is not None:
        form = FindingForm(post, recovery=recovery, with_photo=with_photo)
        valid = [form.is_valid(), photo_forms.is_valid() if photo_forms is not None else True]
        if all(valid):
            photos = photo_forms.photo_links() if photo_forms is not None else form.photo_links()
            try:
                services.update_finding(
                    request.user, finding, photos=photos, **form.service_fields()
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Finding {finding.pk} saved.")
                return redirect("forensics:finding-detail", pk=finding.pk)
    else:
        form = FindingForm(
            recovery=recovery, with_photo=with_photo, initial=FindingForm.initial_for(finding)
        )
    return _render_form(request, form, recovery, finding, photo_forms=photo_forms, links=links)


def _posted_rows(post) -> list[dict]:
    """The linked photos of the rows the page was drawn with (its first INITIAL_FORMS rows)."""
    count = min(max(_int_or_none(post.get(f"{LINKS_PREFIX}-INITIAL_FORMS")) or 0, 0), 100)
    return [{"photo": post.get(f"{LINKS_PREFIX}-{i}-photo")} for i in range(count)]


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _render_form(request, form, recovery, finding, photo_forms=None, links=()):
    """The entry form, with the resolver's reading of the marking and the boxed component (for
    several photos: each row beside its stored crop)."""
    marking = form["marking"].value() or ""
    crop = None
    if "photo" in form.fields:
        photo_id = _int_or_none(form["photo"].value())
        photo = Photo.objects.filter(pk=photo_id, recovery=recovery).first() if photo_id else None
        if photo is not None:
            box = {name: _int_or_none(form[name].value()) for name in FindingForm.BOX}
            crop = SimpleNamespace(photo=photo, **box)
    return render(
        request,
        "forensics/finding_form.html",
        {
            "form": form,
            "recovery": recovery,
            "finding": finding,
            "crop": crop,
            "photo_forms": photo_forms,
            "photo_rows": _photo_rows(photo_forms, links) if photo_forms is not None else [],
            "preview": _preview_context(marking) if marking.strip() else None,
        },
        status=400 if form.errors or (photo_forms is not None and not _clean(photo_forms)) else 200,
    )


def _clean(formset) -> bool:
    return not formset.is_bound or formset.is_valid()


def _photo_rows(photo_forms, links):
    """(row form, the stored link it edits or None) for each row of the photo formset."""
    by_photo = {link.photo_id: link for link in links}
    rows = []
    for row in photo_forms:
        photo_id = _int_or_none(row.initial.get("photo")) if row.linked else None
        rows.append((row, by_photo.get(photo_id)))
    return rows


def _preview_context(text: str) -> dict:
    text = text.strip()
    if not text:
        return {"empty": True}
    if len(text) > MAX_PREVIEW_CHARS:
        return {"error": f"A marking is at most {MAX_PREVIEW_CHARS} characters."}
    return {"resolution": resolver.resolve(text)}


@role_required(*INVESTIGATORS)
def resolve_preview(request):
    """The resolver's answer for the marking typed so far (an htmx partial)."""
    return render(
        request,
        "forensics/includes/resolve_preview.html",
        {"preview": _preview_context(request.GET.get("marking", ""))},
    )


def _verdict(request, pk, action):
    finding = _visible_finding(request.user, pk)
    target = reverse("forensics:finding-detail", args=[pk])
    try:
        message = action(finding)
    except services.AlreadyConfirmed as exc:
        done = exc.finding
        who = done.confirmed_by.get_username() if done.confirmed_by else "an import"
        messages.error(request, f"Finding {pk} was already confirmed by {who}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect(target)


@require_POST
@role_required(*WRITERS)
def finding_confirm(request, pk):
    form = ConfirmForm(request.POST)

    def confirm(finding):
        if not form.is_valid():
            raise ValidationError(
                [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
            )
        done = services.confirm_finding(
            finding.pk,
            request.user,
            part=form.cleaned_data.get("part"),
            manufacturer=form.cleaned_data.get("manufacturer"),
        )
        what = done.part.mpn if done.part_id else done.manufacturer.name
        return f"Finding {done.pk} confirmed as {what}."

    return _verdict(request, pk, confirm)


def _closing(service, prefix, label):
    @require_POST
    @role_required(*WRITERS)
    def view(request, pk):
        form = VerdictForm(request.POST, prefix=prefix)

        def close(finding):
            if not form.is_valid():
                raise ValidationError(" ".join(form.errors.get("reason", [])))
            service(finding.pk, request.user, form.cleaned_data["reason"])
            return f"Finding {finding.pk} {label}."

        return _verdict(request, pk, close)

    return view


finding_reject = _closing(services.reject_finding, "reject", "rejected")
finding_unidentifiable = _closing(
    services.mark_unidentifiable, "unidentifiable", "marked unidentifiable"
)
