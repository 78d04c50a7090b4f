"""The manufacturer portal and the trace-request pages.

Manufacturers' officers read their inbox, the (redacted) findings matched to them, the trace
requests sent to them, and manage their webhook endpoints and contacts; analysts and admins reach
the same pages for every organisation, as the API lets them. Nothing is decided here:

- rows are `Model.objects.visible_to(user)` (another organisation's row is a 404);
- what a role reads of a finding or a trace request is the API's serializer for its clearance
  (`finding_serializer_for`, `trace_request_serializer_for`);
- who may do what is the API's role table (`action_roles` of the trace viewset and the roles of
  the notification endpoints), checked again by the services;
- every write is forensics.services.traces / notifications, or, for endpoints and contacts, the
  API serializer's validation with the same atomic, audited save as the API's viewset.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalog.models import Organisation
from forensics.api.serializers_findings import finding_serializer_for
from forensics.api.serializers_notifications import (
    ComplianceContactSerializer,
    NotificationPreferenceSerializer,
    WebhookEndpointSerializer,
)
from forensics.api.serializers_traces import trace_request_serializer_for
from forensics.api.views_findings import FindingViewSet
from forensics.api.views_notifications import ATTEMPTS, NOTIFICATION_ROLES
from forensics.api.views_traces import PARTIES, TraceRequestViewSet
from forensics.audit import record_change, snapshot
from forensics.models import (
    AnswerKind,
    ComplianceContact,
    Delivery,
    DeliveryState,
    Finding,
    FindingComment,
    Notification,
    NotificationPreference,
    TraceRequest,
    TraceState,
    WebhookEndpoint,
)
from forensics.portal_forms import (
    AnswerForm,
    CloseForm,
    CommentForm,
    ContactForm,
    DeclineForm,
    DeliveryPageFilterSet,
    FollowUpForm,
    NotificationPageFilterSet,
    OpenTraceForm,
    PreferenceForm,
    TraceRequestPageFilterSet,
    WebhookEndpointForm,
    add_serializer_errors,
    check_with,
)
from forensics.roles import has_role, is_manufacturer, organisation_of
from forensics.services import notifications, traces, webhooks
from forensics.web import filtered, is_redacted, paginate, role_required

ACTION_ROLES = TraceRequestViewSet.action_roles
LIST_SIZE = 25
SECRET_SESSION_KEY = "portal_webhook_secret"


def _api_context(request) -> dict:
    """What the API serializers read from their context (the requesting user)."""
    return {"request": request}


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _service_errors(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# ------------------------------------------------------------------------------------- inbox


@role_required(*NOTIFICATION_ROLES)
def inbox(request):
    """Notifications to the user's organisation (every organisation's for analysts), newest first."""
    user = request.user
    base = Notification.objects.visible_to(user).select_related("organisation")
    filterset = NotificationPageFilterSet(request.GET or None, queryset=base)
    rows, valid = filtered(filterset)
    page = paginate(request, rows.order_by("-created_at", "-id"), per_page=LIST_SIZE)
    return render(
        request,
        "portal/inbox.html",
        {
            "filter": filterset,
            "page": page,
            "organisation": organisation_of(user) if is_manufacturer(user) else None,
            "all_organisations": not is_manufacturer(user),
            "open_requests": TraceRequest.objects.visible_to(user)
            .filter(state__in=traces.OPEN_STATES)
            .count(),
        },
        status=200 if valid else 400,
    )


@role_required(*NOTIFICATION_ROLES)
def notification_detail(request, pk):
    user = request.user
    notification = get_object_or_404(
        Notification.objects.visible_to(user).select_related("organisation"), pk=pk
    )
    deliveries = (
        Delivery.objects.visible_to(user)
        .filter(notification=notification)
        .select_related("endpoint")
        .prefetch_related(ATTEMPTS)
        .order_by("id")
    )
    payload = notification.payload or {}
    trace = payload.get("trace_request") or {}
    trace_id = trace.get("id")
    finding_id = notification.finding_id or (payload.get("finding") or {}).get("id")
    return render(
        request,
        "portal/notification_detail.html",
        {
            "notification": notification,
            "payload": payload,
            "event": payload.get("finding") or trace,
            "deliveries": deliveries,
            "trace_id": trace_id
            if trace_id and TraceRequest.objects.visible_to(user).filter(pk=trace_id).exists()
            else None,
            "finding_id": finding_id
            if finding_id and Finding.objects.visible_to(user).filter(pk=finding_id).exists()
            else None,
        },
    )


# ---------------------------------------------------------------------------------- findings


def _api_findings(user):
    """Findings as the findings API reads them (its joins and prefetches), scoped to the user."""
    return FindingViewSet.queryset.visible_to(user)


@role_required(*PARTIES)
def finding_list(request):
    """The findings matched to the organisation, in the fields its clearance gets from the API
    (redacted for manufacturers: no unit, source, location, analysts or other candidates)."""
    user = request.user
    page = paginate(request, _api_findings(user).order_by("-created_at", "-id"), per_page=LIST_SIZE)
    serializer = finding_serializer_for(user)
    rows = serializer(page.object_list, many=True, context=_api_context(request)).data
    comment_counts = dict(
        FindingComment.objects.visible_to(user)
        .filter(finding_id__in=[row["id"] for row in rows])
        .order_by()
        .values_list("finding_id")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        row["comment_count"] = comment_counts.get(row["id"], 0)
        row["rec"] = _recovery_of(row)
    return render(
        request,
        "portal/finding_list.html",
        {"page": page, "rows": rows, "redacted": is_redacted(user)},
    )


def _recovery_of(row: dict) -> dict:
    """The recovery summary of a serialized finding (nested in the redacted view, beside the
    id in the full one)."""
    nested = row.get("recovery")
    return row.get("recovery_detail") or (nested if isinstance(nested, dict) else {})


def _threads(finding: Finding):
    """The organisations whose right-of-reply thread a finding has: its maker and the owner."""
    maker = finding.manufacturer or (finding.part.manufacturer if finding.part_id else None)
    if maker is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=[maker.pk, maker.owner_id or maker.pk])


@role_required(*PARTIES)
def finding_detail(request, pk):
    """One finding as the API shows it to this role, with the right-of-reply thread."""
    user = request.user
    finding = get_object_or_404(_api_findings(user), pk=pk)
    form = None
    if request.method == "POST":
        threads = None if is_manufacturer(user) else _threads(finding)
        form = CommentForm(request.POST, threads=threads)
        if form.is_valid():
            try:
                traces.add_comment(
                    user,
                    finding,
                    form.cleaned_data["text"],
                    organisation=form.cleaned_data.get("organisation"),
                )
            except ValidationError as exc:
                add_serializer_errors(form, getattr(exc, "message_dict", {"text": exc.messages}))
            else:
                messages.success(request, "Your comment was added to the thread.")
                return redirect("portal:finding-detail", pk=finding.pk)
    if form is None:
        form = CommentForm(threads=None if is_manufacturer(user) else _threads(finding))
    data = dict(finding_serializer_for(user)(finding, context=_api_context(request)).data)
    data["rec"] = _recovery_of(data)
    comments = (
        FindingComment.objects.visible_to(user)
        .filter(finding=finding)
        .select_related("organisation")
        .order_by("created_at", "id")
    )
    requests_ = (
        TraceRequest.objects.visible_to(user)
        .filter(findings=finding)
        .select_related("organisation")
        .order_by("created_at", "id")
    )
    return render(
        request,
        "portal/finding_detail.html",
        {
            "finding": data,
            "redacted": is_redacted(user),
            "comments": comments,
            "form": form,
            "trace_requests": requests_,
            "can_open_trace": has_role(user, *ACTION_ROLES["create"]),
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------- trace requests


def _trace_requests(user):
    return TraceRequest.objects.visible_to(user).select_related(
        "organisation", "manufacturer", "recovery", "answer__distributor"
    )


@role_required(*PARTIES)
def trace_list(request):
    user = request.user
    base = _trace_requests(user).annotate(finding_count=Count("findings", distinct=True))
    filterset = TraceRequestPageFilterSet(request.GET or None, queryset=base)
    rows, valid = filtered(filterset)
    return render(
        request,
        "portal/trace_list.html",
        {
            "filter": filterset,
            "page": paginate(request, rows.order_by("-created_at", "-id"), per_page=LIST_SIZE),
            "recipient_view": is_manufacturer(user),
        },
        status=200 if valid else 400,
    )


def _trace_context(request, trace_request, **forms) -> dict:
    user = request.user
    recipient = traces.is_recipient(user, trace_request)
    data = trace_request_serializer_for(user)(trace_request, context=_api_context(request)).data
    state = trace_request.state
    open_ = state in traces.OPEN_STATES
    answer = getattr(trace_request, "answer", None)
    analyst = has_role(user, *ACTION_ROLES["send"])
    can_answer = open_ and (recipient or analyst)
    follow_up_ok = (
        analyst
        and answer is not None
        and answer.kind == AnswerKind.FIRST_SALE
        and state in (TraceState.ANSWERED, TraceState.CLOSED)
        and not trace_request.follow_ups.exclude(state=TraceState.CLOSED).exists()
    )
    return {
        "tr": trace_request,
        "data": data,
        "asked": data.get("request") or trace_request.request_data or {},
        "recipient": recipient,
        "analyst_view": not is_manufacturer(user),
        "findings": trace_request.findings.visible_to(user).select_related("part")
        if not is_manufacturer(user)
        else [],
        "can_acknowledge": recipient and state == TraceState.SENT,
        "can_answer": can_answer,
        "can_send": analyst and state == TraceState.DRAFT,
        "can_close": analyst and state != TraceState.CLOSED,
        "can_follow_up": follow_up_ok,
        "answer_form": forms.get("answer_form")
        or AnswerForm(user=user, trace_request=trace_request),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(),
        "links": list(answer.supply_links.select_related("seller", "buyer", "part"))
        if answer is not None and not is_manufacturer(user)
        else [],
    }


def _visible_trace(user, pk) -> TraceRequest:
    return get_object_or_404(_trace_requests(user), pk=pk)


@role_required(*PARTIES)
def trace_detail(request, pk):
    trace_request = _visible_trace(request.user, pk)
    return render(request, "portal/trace_detail.html", _trace_context(request, trace_request))


def _trace_action(request, pk, action, run, form_name=None, form=None):
    """Run a trace service call; a refused move comes back as a message or beside the form."""
    if not has_role(request.user, *ACTION_ROLES[action]):
        raise PermissionDenied("Your role cannot do this.")
    trace_request = _visible_trace(request.user, pk)
    target = reverse("portal:trace-detail", args=[trace_request.pk])
    try:
        outcome = run(trace_request)
    except traces.TraceConflict as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        errors = getattr(exc, "message_dict", {})
        if form is None or not set(errors) & set(form.fields):
            _service_errors(request, exc)  # a refused move (state, permission): said above
        else:
            add_serializer_errors(form, errors)
            context = _trace_context(request, trace_request, **{form_name: form})
            return render(request, "portal/trace_detail.html", context, status=400)
    else:
        if isinstance(outcome, str):
            messages.success(request, outcome)
            return redirect(target)
        return outcome
    return redirect(target)


@require_POST
@role_required(*PARTIES)
def trace_open(request):
    """Open a trace request to a confirmed finding's manufacturer (analysts), from the finding's
    page or its trace graph."""
    if not has_role(request.user, *ACTION_ROLES["create"]):
        raise PermissionDenied("Only analysts open trace requests.")
    form = OpenTraceForm(request.POST)
    fallback = reverse("forensics:finding-list")
    if not form.is_valid():
        messages.error(request, "Choose the finding to ask about.")
        return redirect(_next_or(request, fallback))
    finding = get_object_or_404(
        Finding.objects.visible_to(request.user), pk=form.cleaned_data["finding"]
    )
    try:
        trace_request = traces.create_trace_request(
            request.user,
            [finding.pk],
            question=form.cleaned_data["question"],
            send=form.cleaned_data["send"],
        )
    except ValidationError as exc:
        _service_errors(request, exc)
        return redirect(_next_or(request, fallback))
    state = "sent" if trace_request.state == TraceState.SENT else "saved as a draft"
    messages.success(
        request,
        f"Trace request {trace_request.pk} to {trace_request.organisation.name} {state}.",
    )
    return redirect("portal:trace-detail", pk=trace_request.pk)


@require_POST
@role_required(*PARTIES)
def trace_send(request, pk):
    def run(trace_request):
        traces.send_trace_request(trace_request, request.user)
        return f"Trace request {trace_request.pk} sent to {trace_request.organisation.name}."

    return _trace_action(request, pk, "send", run)


@require_POST
@role_required(*PARTIES)
def trace_acknowledge(request, pk):
    def run(trace_request):
        traces.acknowledge(trace_request, request.user)
        return "Acknowledged: the analysts know you are looking into it."

    return _trace_action(request, pk, "acknowledge", run)


@require_POST
@role_required(*PARTIES)
def trace_answer(request, pk):
    """The answer form: a first sale (creating the supply link) or not traceable."""
    form = AnswerForm(
        request.POST, user=request.user, trace_request=_visible_trace(request.user, pk)
    )

    def run(trace_request):
        if not form.is_valid():
            context = _trace_context(request, trace_request, answer_form=form)
            return render(request, "portal/trace_detail.html", context, status=400)
        data = form.cleaned_data["validated"]
        if data["kind"] == AnswerKind.FIRST_SALE:
            reply = traces.FirstSale(
                sale_date=data["sale_date"],
                distributor=data.get("distributor"),
                name=data.get("distributor_name", ""),
                country=data.get("distributor_country", ""),
                role=data.get("distributor_role", ""),
                quantity=data.get("quantity"),
                invoice_reference=data.get("invoice_reference", ""),
                note=data.get("note", ""),
            )
        else:
            reply = traces.NotTraceable(
                reason=data["reason"],
                reason_text=data.get("reason_text", ""),
                note=data.get("note", ""),
            )
        record = traces.answer(trace_request, request.user, reply)
        if record.distributor_id:
            return f"Thank you: the first sale to {record.distributor.name} is recorded."
        return "Thank you: your answer is recorded."

    return _trace_action(request, pk, "answer", run, "answer_form", form)


@require_POST
@role_required(*PARTIES)
def trace_decline(request, pk):
    form = DeclineForm(request.POST)

    def run(trace_request):
        if not form.is_valid():
            context = _trace_context(request, trace_request, decline_form=form)
            return render(request, "portal/trace_detail.html", context, status=400)
        traces.decline(trace_request, request.user, form.cleaned_data["reason"])
        return "The request is declined; the analysts see your reason."

    return _trace_action(request, pk, "decline", run, "decline_form", form)


@require_POST
@role_required(*PARTIES)
def trace_close(request, pk):
    form = CloseForm(request.POST)

    def run(trace_request):
        if not form.is_valid():
            context = _trace_context(request, trace_request, close_form=form)
            return render(request, "portal/trace_detail.html", context, status=400)
        traces.close(trace_request, request.user, form.cleaned_data["note"])
        return f"Trace request {trace_request.pk} closed."

    return _trace_action(request, pk, "close", run, "close_form", form)


@require_POST
@role_required(*PARTIES)
def trace_follow_up(request, pk):
    """The next request, to the buyer the answer named: how chains of any length are built."""
    form = FollowUpForm(request.POST)

    def run(trace_request):
        if not form.is_valid():
            context = _trace_context(request, trace_request, follow_up_form=form)
            return render(request, "portal/trace_detail.html", context, status=400)
        child = traces.follow_up(
            trace_request,
            request.user,
            question=form.cleaned_data["question"],
            send=form.cleaned_data["send"],
        )
        messages.success(request, f"Trace request {child.pk} to {child.organisation.name} opened.")
        return redirect("portal:trace-detail", pk=child.pk)

    return _trace_action(request, pk, "follow_up", run, "follow_up_form", form)


# ---------------------------------------------------------------------------------- webhooks


def _endpoints(user):
    """Endpoints with their delivery counts, as the webhook endpoints API annotates them."""
    return (
        WebhookEndpoint.objects.visible_to(user)
        .select_related("organisation", "created_by")
        .annotate(
            delivered_count=Count(
                "deliveries", filter=Q(deliveries__state=DeliveryState.DELIVERED)
            ),
            failed_count=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
            pending_count=Count(
                "deliveries",
                filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.DELIVERING]),
            ),
        )
    )


@role_required(*NOTIFICATION_ROLES)
def webhook_list(request):
    """The organisation's webhook endpoints, and the form that adds one (its secret is shown once)."""
    user = request.user
    form = WebhookEndpointForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        serializer = check_with(
            form, WebhookEndpointSerializer, form.api_data(), context=_api_context(request)
        )
        if serializer is not None:
            with transaction.atomic():
                endpoint = serializer.save(created_by=user, secret=webhooks.generate_secret())
                after = notifications.endpoint_snapshot(endpoint)
                record_change(user, endpoint, "create", None, after)
            request.session[SECRET_SESSION_KEY] = [endpoint.pk, endpoint.secret]
            messages.success(request, "Endpoint added. Copy its signing secret now.")
            return redirect("portal:webhook-detail", pk=endpoint.pk)
    page = paginate(request, _endpoints(user).order_by("organisation__name", "id"), per_page=50)
    return render(
        request,
        "portal/webhook_list.html",
        {"form": form, "page": page, "all_organisations": not is_manufacturer(user)},
        status=400 if form.errors else 200,
    )


@role_required(*NOTIFICATION_ROLES)
def webhook_detail(request, pk):
    """One endpoint: edit it, send a test event, rotate its secret, and its delivery log."""
    user = request.user
    endpoint = get_object_or_404(_endpoints(user), pk=pk)
    initial = {"url": endpoint.url, "description": endpoint.description, "active": endpoint.active}
    form = WebhookEndpointForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        serializer = check_with(
            form,
            WebhookEndpointSerializer,
            form.api_data(),
            instance=endpoint,
            context=_api_context(request),
        )
        if serializer is not None:
            with transaction.atomic():
                before = notifications.endpoint_snapshot(endpoint)
                endpoint = serializer.save()
                record_change(
                    user, endpoint, "update", before, notifications.endpoint_snapshot(endpoint)
                )
            messages.success(request, "Endpoint saved.")
            return redirect("portal:webhook-detail", pk=endpoint.pk)
    secret = None
    shown = request.session.get(SECRET_SESSION_KEY)
    if shown and shown[0] == endpoint.pk:
        secret = shown[1]
        del request.session[SECRET_SESSION_KEY]
    filterset = DeliveryPageFilterSet(
        request.GET or None,
        queryset=Delivery.objects.visible_to(user)
        .filter(endpoint=endpoint)
        .select_related("notification")
        .prefetch_related(ATTEMPTS),
    )
    rows, _ = filtered(filterset)
    return render(
        request,
        "portal/webhook_detail.html",
        {
            "endpoint": endpoint,
            "form": form,
            "secret": secret,
            "filter": filterset,
            "deliveries": paginate(
                request, rows.order_by("-created_at", "-id"), per_page=LIST_SIZE
            ),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(*NOTIFICATION_ROLES)
def webhook_test(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.visible_to(request.user), pk=pk)
    try:
        notification = notifications.send_test_event(endpoint, request.user)
    except ValidationError as exc:
        _service_errors(request, exc)
    else:
        messages.success(
            request,
            f"Test event {notification.idempotency_key} queued; its delivery shows in the log "
            "below (reload to follow the attempts).",
        )
    return redirect("portal:webhook-detail", pk=endpoint.pk)


@require_POST
@role_required(*NOTIFICATION_ROLES)
def webhook_rotate(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.visible_to(request.user), pk=pk)
    secret = notifications.rotate_secret(endpoint, request.user)
    request.session[SECRET_SESSION_KEY] = [endpoint.pk, secret]
    messages.success(request, "New signing secret made; the old one no longer signs anything.")
    return redirect("portal:webhook-detail", pk=endpoint.pk)


@require_POST
@role_required(*NOTIFICATION_ROLES)
def webhook_delete(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.visible_to(request.user), pk=pk)
    with transaction.atomic():
        record_change(
            request.user, endpoint, "delete", notifications.endpoint_snapshot(endpoint), None
        )
        endpoint.delete()
    messages.success(request, "Endpoint removed.")
    return redirect("portal:webhook-list")


@require_POST
@role_required(*NOTIFICATION_ROLES)
def delivery_retry(request, pk):
    delivery = get_object_or_404(Delivery.objects.visible_to(request.user), pk=pk)
    try:
        notifications.retry_delivery(delivery, request.user)
    except ValidationError as exc:
        _service_errors(request, exc)
    else:
        messages.success(request, f"Delivery {delivery.pk} will be tried again.")
    if delivery.endpoint_id:
        return redirect("portal:webhook-detail", pk=delivery.endpoint_id)
    return redirect("portal:notification-detail", pk=delivery.notification_id)


# ---------------------------------------------------------------------------------- contacts


def _contacts_context(request, form, preference_form=None) -> dict:
    user = request.user
    own = organisation_of(user) if is_manufacturer(user) else None
    preference = (
        NotificationPreference.objects.visible_to(user).filter(organisation=own).first()
        if own
        else None
    )
    contacts = (
        ComplianceContact.objects.visible_to(user)
        .select_related("organisation")
        .order_by("organisation__name", "name", "id")
    )
    return {
        "form": form,
        "page": paginate(request, contacts, per_page=50),
        "all_organisations": own is None,
        "own": own,
        "preference_form": preference_form
        or PreferenceForm(initial={"digest_only": bool(preference and preference.digest_only)}),
    }


@role_required(*NOTIFICATION_ROLES)
def contact_list(request):
    """Who receives the notification e-mails, and the add-a-contact form."""
    user = request.user
    form = ContactForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        serializer = check_with(
            form, ComplianceContactSerializer, form.api_data(), context=_api_context(request)
        )
        if serializer is not None:
            with transaction.atomic():
                contact = serializer.save()
                record_change(user, contact, "create", None, snapshot(contact))
            messages.success(request, f"{contact.name} will receive the notifications.")
            return redirect("portal:contact-list")
    return render(
        request,
        "portal/contact_list.html",
        _contacts_context(request, form),
        status=400 if form.errors else 200,
    )


@role_required(*NOTIFICATION_ROLES)
def contact_edit(request, pk):
    user = request.user
    contact = get_object_or_404(
        ComplianceContact.objects.visible_to(user).select_related("organisation"), pk=pk
    )
    initial = {
        "name": contact.name,
        "email": contact.email,
        "receives_digest": contact.receives_digest,
    }
    form = ContactForm(request.POST or None, user=user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        serializer = check_with(
            form,
            ComplianceContactSerializer,
            form.api_data(),
            instance=contact,
            context=_api_context(request),
        )
        if serializer is not None:
            with transaction.atomic():
                before = snapshot(contact)
                contact = serializer.save()
                record_change(user, contact, "update", before, snapshot(contact))
            messages.success(request, f"{contact.name} saved.")
            return redirect("portal:contact-list")
    return render(
        request,
        "portal/contact_form.html",
        {"form": form, "contact": contact},
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(*NOTIFICATION_ROLES)
def contact_delete(request, pk):
    contact = get_object_or_404(ComplianceContact.objects.visible_to(request.user), pk=pk)
    with transaction.atomic():
        record_change(request.user, contact, "delete", snapshot(contact), None)
        contact.delete()
    messages.success(request, f"{contact.name} no longer receives notifications.")
    return redirect("portal:contact-list")


@require_POST
@role_required(*NOTIFICATION_ROLES)
def preferences(request):
    """The organisation's digest option (a manufacturer's officer: their own organisation)."""
    user = request.user
    own = organisation_of(user) if is_manufacturer(user) else None
    if own is None:
        raise PermissionDenied("Set an organisation's preferences from its officer's account.")
    form = PreferenceForm(request.POST)
    if form.is_valid():
        current = NotificationPreference.objects.visible_to(user).filter(organisation=own).first()
        serializer = check_with(
            form,
            NotificationPreferenceSerializer,
            {"organisation": own.pk, "digest_only": form.cleaned_data["digest_only"]},
            instance=current,
            context=_api_context(request),
        )
        if serializer is not None:
            with transaction.atomic():
                before = snapshot(current) if current else None
                preference = serializer.save()
                record_change(
                    user, preference, "update" if before else "create", before, snapshot(preference)
                )
            messages.success(request, "Preferences saved.")
            return redirect("portal:contact-list")
    return render(
        request,
        "portal/contact_list.html",
        _contacts_context(request, ContactForm(user=user), preference_form=form),
        status=400,
    )
