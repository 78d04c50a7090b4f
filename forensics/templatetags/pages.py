"""Template tags of the pages: main navigation, pagination links, server-made SVG charts, crops.

Charts are drawn here from numbers (no chart library): a horizontal bar chart and a 100 % stacked
bar, each rendered with its numbers as a table beside it, so they read without the picture too.
"""

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from forensics import crops
from forensics.navigation import SECTIONS
from forensics.roles import has_role, roles_of

register = template.Library()

CHART_WIDTH = 640
LABEL_WIDTH = 200
BAR_SPACE = 360
ROW_HEIGHT = 26
LABEL_CHARS = 30
MAX_BARS = 15
MAX_TABLE_ROWS = 60
THUMBNAIL_PX = 320
"""Longest side of a photo's thumbnail (forensics.services.evidence.THUMBNAIL_SIZE)."""


_ID_URLS: dict[tuple, tuple[str, str]] = {}


def url_with_id(name: str, pk) -> str:
    """`reverse(name, args=[pk])` for URLs whose one argument is an integer id, resolved once per
    URL name and then filled in: list pages link every row, and reverse() costs ~0.1 ms a call."""
    key = (get_urlconf(), get_script_prefix(), name)
    parts = _ID_URLS.get(key)
    if parts is None:
        marker = 987654321
        url = reverse(name, args=[marker])
        head, _, tail = url.partition(str(marker))
        parts = _ID_URLS[key] = (head, tail)
    return f"{parts[0]}{int(pk)}{parts[1]}"


@register.simple_tag
def url_id(name, pk):
    """`{% url_id "forensics:finding-detail" finding.pk %}`: a row's link, without reverse()."""
    return url_with_id(name, pk)


@register.inclusion_tag("includes/nav.html", takes_context=True)
def main_nav(context):
    """The sections of forensics.navigation the user's roles open, the current page marked."""
    request = context["request"]
    user = request.user
    sections = []
    for section in SECTIONS:
        links = []
        for item in section.items:
            allowed = has_role(user, *item.roles) if item.roles else bool(roles_of(user))
            if not allowed:
                continue
            url = reverse(item.url_name)
            current = request.path == url or (url != "/" and request.path.startswith(url))
            links.append({"label": item.label, "url": url, "current": current})
        if links:
            sections.append({"label": section.label, "links": links})
    return {"sections": sections}


@register.simple_tag(takes_context=True)
def page_query(context, page, number):
    """The current query string with this list's page parameter set to `number`."""
    params = context["request"].GET.copy()
    params[getattr(page, "param", "page")] = number
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def query_without(context, *names):
    """The current query string (without `?`) minus the given parameters and empty values."""
    params = context["request"].GET.copy()
    for name in names:
        params.pop(name, None)
    for key in [key for key, values in params.lists() if not any(values)]:
        params.pop(key)
    return params.urlencode()


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


@register.inclusion_tag("includes/bar_chart.html")
def bar_chart(rows, title, chart_id, label_header="", value_header="Findings"):
    """Horizontal bars for the largest rows (`{"label", "value", "href"?, "detail"?}`), the rest
    summed in one bar; the table under the chart lists the first MAX_TABLE_ROWS rows, then the
    rest summed (statistics list hundreds of manufacturers)."""
    rows = list(rows)
    shown = rows[:MAX_BARS]
    rest = rows[MAX_BARS:]
    if rest:
        shown.append({"label": f"{len(rest)} others", "value": sum(r["value"] for r in rest)})
    top = max((row["value"] for row in shown), default=0) or 1
    bars = []
    for index, row in enumerate(shown):
        width = max(row["value"] / top * BAR_SPACE, 1.0) if row["value"] else 0.0
        bars.append(
            {
                "label": row["label"],
                "value": str(row["value"]),
                "short": _short(str(row["label"])),
                "y": str(index * ROW_HEIGHT),
                "width": f"{width:.1f}",
                "value_x": f"{LABEL_WIDTH + width + 6:.1f}",
            }
        )
    table = [{**row, "text": str(row["value"])} for row in rows[:MAX_TABLE_ROWS]]
    if len(rows) > MAX_TABLE_ROWS:
        more = rows[MAX_TABLE_ROWS:]
        table.append({"label": f"{len(more)} others", "text": str(sum(r["value"] for r in more))})
    return {
        "bars": bars,
        "rows": table,
        "title": title,
        "chart_id": chart_id,
        "label_header": label_header or title,
        "value_header": value_header,
        "width": CHART_WIDTH,
        "height": max(len(bars), 1) * ROW_HEIGHT + 4,
        "label_x": LABEL_WIDTH - 8,
        "label_width": LABEL_WIDTH,
        "bar_height": ROW_HEIGHT - 8,
    }


@register.inclusion_tag("includes/share_chart.html")
def share_chart(segments, title, chart_id):
    """One 100 % bar split into `{"label", "value", "css"}` segments, with a legend and a table."""
    segments = list(segments)
    total = sum(segment["value"] for segment in segments)
    x = 0.0
    parts = []
    for segment in segments:
        share = segment["value"] / total if total else 0
        width = share * CHART_WIDTH
        parts.append({**segment, "x": f"{x:.2f}", "width": f"{width:.2f}", "share": share})
        x += width
    return {"segments": parts, "title": title, "chart_id": chart_id, "total": total}


@register.filter
def percent(value, digits=1):
    """0.1234 -> "12.3 %" (None -> "–")."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.simple_tag
def crop_image(link, alt=""):
    """A finding's photo, cut to its crop box when it has one (an SVG viewBox over the image).

    `link` is a FindingPhoto with its photo loaded; an `orientation` annotation (the photo's EXIF
    Orientation) saves loading the EXIF. Small boxes use the display image, so they stay sharp.
    Built in Python rather than an included template: lists draw one per row.
    """
    photo = link.photo
    label = alt or "Component"
    if not photo.thumbnail:
        return format_html(
            '<span class="thumb placeholder" role="img" aria-label="Photo {} is being processed">'
            "processing…</span>",
            photo.pk,
        )
    if hasattr(link, "orientation"):
        orientation = link.orientation
    else:
        orientation = (photo.exif or {}).get("Orientation")
    has_box = None not in (link.crop_x, link.crop_y, link.crop_width, link.crop_height)
    if not has_box or not photo.width or not photo.height:
        return format_html(
            '<img class="thumb" src="{}" alt="{} (photo {})" loading="lazy">',
            url_with_id("photo-thumbnail", photo.pk),
            label,
            photo.pk,
        )
    box = crops.original_to_upright(
        link.crop_x, link.crop_y, link.crop_width, link.crop_height,
        photo.width, photo.height, orientation,
    )  # fmt: skip
    up_w, up_h = crops.upright_size(photo.width, photo.height, orientation)
    small = box.width * THUMBNAIL_PX < 120 and box.height * THUMBNAIL_PX < 120
    view_box = (
        f"{box.left * up_w:.1f} {box.top * up_h:.1f} {box.width * up_w:.1f} {box.height * up_h:.1f}"
    )
    return format_html(
        '<svg class="thumb crop" viewBox="{}" role="img" aria-label="{} (cut from photo {})" '
        'preserveAspectRatio="xMidYMid meet"><image href="{}" width="{}" height="{}" '
        'preserveAspectRatio="none"/></svg>',
        view_box,
        label,
        photo.pk,
        url_with_id("photo-display" if small else "photo-thumbnail", photo.pk),
        up_w,
        up_h,
    )


@register.simple_tag
def date_code(finding):
    """The decoded date code: token, manufacture range (month precision) and the export flag."""
    if not finding.date_code:
        return mark_safe('<span class="muted">–</span>')
    parts = [format_html('<span class="mono">{}</span>', finding.date_code)]
    start, end = finding.manufactured_from, finding.manufactured_to
    if start:
        span = f"{start:%b %Y}"
        if end and (end.year, end.month) != (start.year, start.month):
            span += f"–{end:%b %Y}"
        parts.append(format_html('<div class="small">{}</div>', span))
    if finding.after_export_controls:
        parts.append(mark_safe('<span class="badge after">after controls</span>'))
    elif finding.possibly_after_export_controls:
        parts.append(mark_safe('<span class="badge possibly">possibly after</span>'))
    return mark_safe("".join(parts))


@register.filter
def other_names(system):
    """A weapon system's aliases other than its own name (aliases prefetched)."""
    return ", ".join(a.name for a in system.aliases.all() if a.name != system.name)


@register.filter
def flatten_exif(exif):
    """EXIF as (name, value) rows, sub-directories prefixed (`GPS.GPSLatitude`)."""
    rows = []
    for key, value in (exif or {}).items():
        if isinstance(value, dict):
            rows.extend((f"{key}.{sub}", item) for sub, item in value.items())
        else:
            rows.append((key, value))
    return rows
