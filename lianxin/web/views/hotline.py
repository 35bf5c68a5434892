"""The operator's hotline quick entry (热线录入) and the caller's earlier appeals beside it.

The views parse the form, authorise and show the outcome; registering (and answering on the spot)
is `hotline_call_register`, a chase of an earlier appeal is `services.appeal_chase`.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.hotline import HotlineCall, hotline_call_register
from lianxin.appeals.models import Appeal
from lianxin.appeals.phone_search import may_search_by_phone, phone_query, phone_search_q
from lianxin.appeals.policy import ensure_may_take_hotline_calls
from lianxin.appeals.selectors import appeals_visible_to, recent_appeals_from_phone
from lianxin.core.errors import DomainError, NotFoundError, ValidationFailedError
from lianxin.org.models import User
from lianxin.org.selectors import area_choices_for_hotline, scope_of

from ..forms import HotlineForm, add_domain_error
from .staff import _user, staff_required


def _hotline_allowed(user: User) -> None:
    ensure_may_take_hotline_calls(scope_of(user))


@staff_required
def hotline(request: HttpRequest) -> HttpResponse:
    """The operator's quick entry: keyboard only, Enter submits; inquiries can be answered on the spot."""
    user = _user(request)
    _hotline_allowed(user)
    form = HotlineForm(request.POST or None, areas=area_choices_for_hotline())
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("about", "").isdigit():  # 关于此前诉求: a chase, not a new appeal
            done = _hotline_chase(request, user)
            if done is not None:
                return done
        elif form.is_valid():
            done = _hotline_register(request, user, form)
            if done is not None:
                return done
    last = None
    if request.GET.get("last", "").isdigit():
        last = appeals_visible_to(user).filter(pk=int(request.GET["last"])).first()
    return render(
        request,
        "web/staff/hotline.html",
        {
            "form": form,
            "last": last,
            "idempotency_key": uuid.uuid4().hex,
            "may_search_by_phone": may_search_by_phone(user),
        },
        status=status,
    )


def _hotline_register(request: HttpRequest, user: User, form: HotlineForm) -> HttpResponse | None:
    """Register the call; None (the form shown again with the error beside its field) when refused."""
    data = form.cleaned_data
    call = HotlineCall(
        text=data["text"],
        kind=data["kind"],
        area_code=data["area"],
        address=data["address"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
        contact_consent=bool(data["contact_consent"]),
        answer=data["answer"] or "",
    )
    try:
        outcome = hotline_call_register(
            call=call, actor=Actor.staff(user), idempotency_key=request.POST.get("idempotency_key", "")
        )
    except ValidationFailedError as error:
        add_domain_error(form, error.field, error.message)
        return None
    appeal = outcome.appeal
    if outcome.answered:
        messages.success(request, _("已登记并当场办结：%(n)s") % {"n": appeal.tracking_number})
    elif outcome.answer_error:
        messages.warning(
            request,
            _("已登记 %(n)s，但未能当场办结：%(e)s")
            % {"n": appeal.tracking_number, "e": outcome.answer_error},
        )
    else:
        messages.success(
            request,
            _("已登记：%(n)s（%(s)s）") % {"n": appeal.tracking_number, "s": appeal.get_status_display()},
        )
    return redirect(f"{reverse('web:hotline')}?last={appeal.pk}")


def _hotline_chase(request: HttpRequest, user: User) -> HttpResponse | None:
    """Record the call as a chase (催办) or supplement (补充) of the caller's earlier appeal."""
    earlier = appeals_visible_to(user).filter(pk=int(request.POST["about"])).first()
    if earlier is None:
        raise NotFoundError(_("没有找到该诉求。"))
    kind = request.POST.get("chase_kind") or "chase"
    try:
        services.appeal_chase(
            appeal=earlier, actor=Actor.staff(user), kind=kind, note=request.POST.get("text", "")
        )
    except DomainError as error:
        messages.error(
            request, _("未能记录到 %(n)s：%(e)s") % {"n": earlier.tracking_number, "e": error.message}
        )
        return None
    messages.success(
        request,
        _("已记录到此前诉求 %(n)s（催办 %(c)d 次）")
        % {"n": earlier.tracking_number, "c": services.chase_count(earlier)},
    )
    return redirect(f"{reverse('web:hotline')}?last={earlier.pk}")


@require_GET
@staff_required
def hotline_similar(request: HttpRequest) -> HttpResponse:
    """htmx partial: earlier appeals from the phone number being typed."""
    user = _user(request)
    _hotline_allowed(user)
    phone = phone_query(request.GET.get("contact_phone", "")) or ""
    appeals: list[Appeal] = []
    if phone:
        appeals = list(
            recent_appeals_from_phone(phone, days=365)
            .filter(phone_search_q(user=user, phone=phone, purpose="hotline_history"))
            .filter(pk__in=appeals_visible_to(user).values("pk"))
            .select_related("unit")[:5]
        )
    open_appeals = [a for a in appeals if a.is_open]
    return render(
        request,
        "web/staff/partials/similar.html",
        {"appeals": appeals, "phone": phone, "open_appeals": open_appeals},
    )
