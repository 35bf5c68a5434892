"""The residents' portal: raise an appeal, track it, rate it, ask for
it to be handled again or withdraw it."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lianxin.appeals import deadlines, services
from lianxin.appeals.actors import RESIDENT_LABEL, Actor
from lianxin.appeals.events import Rated, payload_of
from lianxin.appeals.intake import AppealInput, AttachmentInput, appeal_submit, validate_all
from lianxin.appeals.merged import survivor_of
from lianxin.appeals.models import Appeal, EventType, Satisfaction, Status
from lianxin.appeals.policy import Action, can, ensure_allowed
from lianxin.appeals.privacy import mask_phone
from lianxin.appeals.selectors import appeal_get_for_tracking, public_reply_attachments, public_timeline
from lianxin.core.errors import (
    DomainError,
    NotFoundError,
    RateLimitedError,
    ValidationFailedError,
    with_error_headers,
)
from lianxin.core.ratelimit import check_rate, client_ip
from lianxin.org.models import AreaLevel
from lianxin.org.selectors import area_choices, scope_of

from ..forms import (
    FIELD_MAP,
    AppealForm,
    RateForm,
    ReopenForm,
    TrackForm,
    WithdrawForm,
    add_domain_error,
)

PROOF_KEY = "lx_proven_appeals"
RECEIPT_KEY = "lx_receipt"
ELDERLY_COOKIE = "lx_elderly"
# Event types whose note the resident sees on the public timeline.
PUBLIC_NOTE_EVENTS = {
    EventType.REPLIED,
    EventType.ANSWERED_DIRECTLY,
    EventType.REOPENED,
    EventType.MERGED,
    EventType.RATED,
    EventType.WITHDRAWN,
}


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    return target


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "hotline_number": settings.LIANXIN["HOTLINE_NUMBER"],
            "hotline_district": settings.LIANXIN["HOTLINE_DISTRICT"],
        },
    )


@require_POST
def elderly_toggle(request: HttpRequest) -> HttpResponse:
    """Switch the elderly-friendly mode (larger type, higher contrast); remembered in a cookie."""
    response = HttpResponseRedirect(_safe_next(request))
    on = request.COOKIES.get(ELDERLY_COOKIE) != "1"
    response.set_cookie(ELDERLY_COOKIE, "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_GET
def area_options(request: HttpRequest) -> HttpResponse:
    """htmx partial: the communities of a street, or the grids of a community, as <option>s."""
    level = request.GET.get("level", "")
    if level not in (AreaLevel.COMMUNITY, AreaLevel.GRID):
        raise NotFoundError(_("区域层级只能是 community 或 grid。"))
    parent = request.GET.get("street" if level == AreaLevel.COMMUNITY else "community", "")
    return render(
        request, "web/partials/area_options.html", {"options": area_choices(level, parent) if parent else []}
    )


def _prove(request: HttpRequest, appeal: Appeal) -> None:
    proven = set(request.session.get(PROOF_KEY, []))
    proven.add(appeal.pk)
    request.session[PROOF_KEY] = sorted(proven)[-50:]


def _is_proven(request: HttpRequest, appeal: Appeal) -> bool:
    if request.user.is_authenticated and appeal.resident_id == request.user.pk:
        return True
    return appeal.pk in request.session.get(PROOF_KEY, [])


def submit(request: HttpRequest) -> HttpResponse:
    """Raise an appeal: a short form; errors beside the field, the text kept."""
    user = request.user if request.user.is_authenticated else None
    limited: RateLimitedError | None = None
    if request.method == "POST":
        try:
            form = _appeal_form(request.POST, request.FILES)
        except RequestDataTooBig:
            form = _appeal_form(request.POST)
            form.add_error("attachments", _("上传的文件太大，请压缩后再试。"))
        if form.is_valid():
            appeal_input = _appeal_input(form, read_files=True)
            try:
                if user is None:
                    check_rate(f"web-submit:{client_ip(request)}", _rate())
                result = appeal_submit(
                    data=appeal_input,
                    actor=Actor.resident(user),
                    resident=user,
                    # the form's key is a random 128-bit token issued with it: one scope for all,
                    # so a session that changes between two sends of one form does not make two
                    # appeals (defect 5); anything else sent as a key is ignored
                    idempotency_key=_form_key(request),
                    idempotency_scope="web",
                )
            except ValidationFailedError as error:
                _add_all_problems(form, validate_all(appeal_input) or [error])
            except DomainError as error:
                add_domain_error(form, error.field, error.message)
                limited = error if isinstance(error, RateLimitedError) else None
            else:
                _prove(request, result.appeal)
                request.session[RECEIPT_KEY] = {"pk": result.appeal.pk, "code": result.access_code or ""}
                return redirect("web:receipt")
        else:
            # the form's own errors (too long, a file too big) and the service's rules, all at once
            _add_all_problems(form, validate_all(_appeal_input(form, read_files=False)))
    else:
        form = _appeal_form()
    status = 429 if limited else 400 if form.is_bound and form.errors else 200
    # on a rate limit the form, its text kept, says how long to wait (and Retry-After)
    return with_error_headers(
        render(
            request, "web/submit.html", {"form": form, "idempotency_key": uuid.uuid4().hex}, status=status
        ),
        limited,
    )


def _appeal_form(data: Any = None, files: Any = None) -> AppealForm:
    """The submit form with its area choices: the streets, and the communities and grids below
    what was chosen (a form sent again keeps its choices)."""
    street = data.get("street", "") if data is not None else ""
    community = data.get("community", "") if data is not None else ""
    return AppealForm(
        data,
        files,
        streets=area_choices(AreaLevel.STREET),
        communities=area_choices(AreaLevel.COMMUNITY, street),
        grids=area_choices(AreaLevel.GRID, community),
    )


def _appeal_input(form: AppealForm, *, read_files: bool) -> AppealInput:
    """What the form holds, as the service takes it (an invalid field counts as empty)."""
    data = form.cleaned_data
    anonymous = bool(data.get("anonymous"))
    attachments = (
        [
            AttachmentInput(name=f.name, content=f.read(), declared_type=f.content_type or "")
            for f in data.get("attachments", [])
        ]
        if read_files
        else []
    )
    return AppealInput(
        text=data.get("text", ""),
        kind=data.get("kind") or "complaint",
        channel="web",
        area_code=form.area_code(),
        address=data.get("address", ""),
        latitude=data.get("latitude") or None,
        longitude=data.get("longitude") or None,
        contact_name="" if anonymous else data.get("contact_name", ""),
        contact_phone="" if anonymous else data.get("contact_phone", ""),
        contact_consent=bool(data.get("contact_consent")) and not anonymous,
        anonymous=anonymous,
        attachments=attachments,
        callback_phone=data.get("callback_phone", "") if anonymous else "",
    )


def _add_all_problems(form: AppealForm, problems: list[ValidationFailedError]) -> None:
    """Each problem beside its field: every error at once, never one per round trip; a field the
    form already marked keeps its own message."""
    for problem in problems:
        target = (
            FIELD_MAP.get(problem.field or "", problem.field)
            if problem.field not in form.fields
            else problem.field
        )
        if target and target in form.errors:
            continue
        add_domain_error(form, problem.field, problem.message)


def _rate() -> str:
    rate: str = settings.LIANXIN["ANON_SUBMIT_RATE"]
    return rate


def expected_reply_at(appeal: Appeal) -> dt.datetime:
    """The reply deadline once dispatched, else an estimate from the deadline policy."""
    if appeal.resolve_due_at:
        return appeal.resolve_due_at
    return deadlines.compute_deadlines(appeal.submitted_at, appeal.category, appeal.urgency).resolve_due_at


@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
    """The receipt: tracking number, the query code (shown once) and the expected reply date."""
    data = request.session.get(RECEIPT_KEY)
    if not data:
        return redirect("web:track")
    appeal = Appeal.objects.select_related("category", "area").filter(pk=data["pk"]).first()
    if appeal is None or not _is_proven(request, appeal):
        raise NotFoundError(_("回执已失效，请用受理编号查询。"))
    code = data.get("code", "")
    if code:
        # The query code is shown once; afterwards only its hash exists.
        request.session[RECEIPT_KEY] = {"pk": appeal.pk, "code": ""}
    return render(
        request,
        "web/receipt.html",
        {
            "appeal": appeal,
            "access_code": code,
            "expected": expected_reply_at(appeal),
            # what was sent, for the resident to check (the phone masked: a receipt gets screenshotted)
            "sent_phone": mask_phone(appeal.contact_phone) if appeal.contact_phone else "",
            "sent_attachments": appeal.attachments.count(),
            "sent_area": appeal.area.name if appeal.area is not None else "",
            "final": appeal.status in (Status.CLOSED, Status.MERGED, Status.WITHDRAWN),
        },
    )


def track(request: HttpRequest) -> HttpResponse:
    """Look an appeal up with its tracking number and the last four phone digits or the query code."""
    form = TrackForm(request.POST or None)
    status = 200
    refusal: DomainError | None = None
    if request.method == "POST":
        if form.is_valid():
            try:
                check_rate(
                    f"web-track:{client_ip(request)}",
                    "60/h",
                    message=_("查询过于频繁：{period}最多 {limit} 次。请 {wait}后再试，或拨打热线查询。"),
                )
                appeal = appeal_get_for_tracking(
                    form.cleaned_data["tracking_number"], form.cleaned_data["secret"]
                )
            except DomainError as error:
                form.add_error(None, error.message)
                status = 404 if isinstance(error, NotFoundError) else error.status_code
                refusal = error
            else:
                _prove(request, appeal)
                return redirect("web:track_detail", tracking_number=appeal.tracking_number)
        else:
            status = 400
    return with_error_headers(render(request, "web/track.html", {"form": form}, status=status), refusal)


def _proven_appeal(request: HttpRequest, tracking_number: str) -> Appeal:
    """The appeal if this browser proved it is theirs (lookup, receipt or login); never by number alone."""
    appeal = (
        Appeal.objects.select_related("category", "area", "unit", "merged_into")
        .filter(tracking_number=tracking_number.upper())
        .first()
    )
    if appeal is None or not _is_proven(request, appeal):
        raise NotFoundError(_("请先输入受理编号和联系电话后四位（或匿名查询码）查询。"))
    return appeal


def _form_key(request: HttpRequest) -> str:
    key = request.POST.get("idempotency_key", "")
    return key if re.fullmatch(r"[0-9a-f]{32}", key) else ""


def _resident_actor(request: HttpRequest) -> Actor:
    return Actor.resident(request.user if request.user.is_authenticated else None)


def _with_rating_labels(events: list[Any]) -> list[Any]:
    """A rating on the timeline says what the resident chose (满意 · 已解决), as theirs."""
    solved = {True: _("已解决"), False: _("未解决")}
    for event in events:
        rated = payload_of(event)
        if isinstance(rated, Rated):
            parts = (
                [str(Satisfaction(rated.satisfaction).label)]
                if rated.satisfaction in Satisfaction.values
                else []
            )
            if rated.solved in solved:
                parts.append(str(solved[rated.solved]))
            event.rating_label = " · ".join(parts)
    return events


def track_detail(
    request: HttpRequest,
    tracking_number: str,
    *,
    rate_form: RateForm | None = None,
    reopen_form: ReopenForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
    error: str = "",
    kept_text: str = "",
) -> HttpResponse:
    try:
        appeal = _proven_appeal(request, tracking_number)
    except NotFoundError:
        messages.warning(request, _("请先输入受理编号和联系电话后四位（或匿名查询码）查询。"))
        return redirect(f"{reverse('web:track')}?n={tracking_number}")
    actor = _resident_actor(request)
    # a merged appeal (并案) shows the surviving appeal's progress and reply
    survivor = survivor_of(appeal)
    return render(
        request,
        "web/track_detail.html",
        {
            "appeal": appeal,
            "survivor": survivor if survivor.pk != appeal.pk else None,
            "survivor_events": public_timeline(survivor).select_related("unit")
            if survivor.pk != appeal.pk
            else [],
            "reply_attachments": list(public_reply_attachments(survivor)),
            "events": _with_rating_labels(list(public_timeline(appeal).select_related("unit"))),
            "note_events": PUBLIC_NOTE_EVENTS,
            "resident_label": RESIDENT_LABEL,
            "expected": expected_reply_at(appeal) if appeal.is_open else None,
            "may_rate": can(actor, appeal, Action.RATE) or can(actor, appeal, Action.RATE_MERGED),
            "may_reopen": can(actor, appeal, Action.REOPEN),
            "may_withdraw": can(actor, appeal, Action.WITHDRAW),
            "rate_form": rate_form or RateForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "error": error,
            "kept_text": kept_text,
        },
        status=status,
    )


@require_POST
def track_rate(request: HttpRequest, tracking_number: str) -> HttpResponse:
    appeal = _proven_appeal(request, tracking_number)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            rate = services.appeal_rate_merged if appeal.status == Status.MERGED else services.appeal_rate
            rate(
                appeal=appeal,
                actor=_resident_actor(request),
                satisfaction=form.cleaned_data["satisfaction"],
                solved=form.solved_value(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            if not error.field:
                return track_detail(request, tracking_number, status=error.status_code, error=error.message)
            add_domain_error(form, error.field, error.message)
        else:
            messages.success(request, _("感谢您的评价，诉求已办结。"))
            return redirect("web:track_detail", tracking_number=appeal.tracking_number)
    return track_detail(request, tracking_number, rate_form=form, status=400)


@require_POST
def track_reopen(request: HttpRequest, tracking_number: str) -> HttpResponse:
    appeal = _proven_appeal(request, tracking_number)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_reopen(
                appeal=appeal, actor=_resident_actor(request), reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            if not error.field:
                return track_detail(request, tracking_number, status=error.status_code, error=error.message)
            add_domain_error(form, error.field, error.message)
        else:
            messages.success(request, _("已申请重办，承办单位将重新办理。"))
            return redirect("web:track_detail", tracking_number=appeal.tracking_number)
    return track_detail(request, tracking_number, reopen_form=form, status=400)


@require_POST
def track_withdraw(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """撤回: only on an appeal this browser proved (or the logged-in owner's), with the box ticked."""
    appeal = _proven_appeal(request, tracking_number)
    actor = _resident_actor(request)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            ensure_allowed(
                actor, appeal, Action.WITHDRAW
            )  # refused in this status: say so before the form errors
            return track_detail(request, tracking_number, withdraw_form=form, status=400)
        services.appeal_withdraw(appeal=appeal, actor=actor, reason=form.cleaned_data["reason"])
    except DomainError as error:
        if error.field:
            add_domain_error(form, "reason" if error.field == "note" else error.field, error.message)
            return track_detail(request, tracking_number, withdraw_form=form, status=400)
        # The form is no longer offered, so the reason typed is shown beside the message.
        return track_detail(
            request,
            tracking_number,
            withdraw_form=form,
            status=error.status_code,
            error=error.message,
            kept_text=str(form["reason"].value() or "").strip(),
        )
    messages.success(request, _("诉求已撤回，将不再办理。如需再次反映，请提交新的诉求。"))
    return redirect("web:track_detail", tracking_number=appeal.tracking_number)


class LoginView(auth_views.LoginView):
    """Staff land on their workbench, residents on their own appeals."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # set by the staff-session timeout (accounts.middleware) when it ended the last session
        context["expired"] = self.request.session.pop("lx_session_expired", False)
        return context

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        if scope_of(user).is_staff_member:  # type: ignore[arg-type]
            return reverse("web:staff_home")
        return reverse("web:my_appeals")


@require_GET
def my_appeals(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('web:login')}?next={request.path}")
    appeals = Appeal.objects.filter(resident=request.user).order_by("-submitted_at")[:100]
    return render(request, "web/my_appeals.html", {"appeals": appeals})


@require_GET
def track_attachment(request: HttpRequest, tracking_number: str, attachment_id: int) -> FileResponse:
    """A public attachment of the reply (the survivor's, for a merged appeal), for the proven resident."""
    appeal = _proven_appeal(request, tracking_number)
    attachment = public_reply_attachments(survivor_of(appeal)).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFoundError(_("没有这个附件。"))
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        filename=attachment.original_name,
        as_attachment=attachment.content_type == "application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
