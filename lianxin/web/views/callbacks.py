"""The call-back queue (回访): unrated replies, oldest first, for the centre's operators. Each row
links to the case page, where the call-back is recorded (`Action.CALLBACK`). An anonymous
resident's sealed number is dialled through the telephony (core/dialer.py): the dial button places
the call, and the operator never sees the number."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.policy import ensure_may_call_back
from lianxin.appeals.selectors import appeal_get_for_user, callback_queue
from lianxin.core.errors import DomainError, ForbiddenError, NotFoundError
from lianxin.org.selectors import scope_of

from .staff import staff_required


@require_GET
@staff_required
def callback_queue_view(request: HttpRequest) -> HttpResponse:
    ensure_may_call_back(scope_of(request.user))  # type: ignore[arg-type]
    return render(request, "web/staff/callbacks.html", {"items": list(callback_queue()[:100])})


@require_POST
@staff_required
def callback_dial(request: HttpRequest, pk: int) -> HttpResponse:
    """Place the call-back to an anonymous resident's sealed number (audited); back to the queue
    (`next=queue`) or to the case page's call-back form, with the outcome as a message."""
    user = request.user
    appeal = appeal_get_for_user(user, pk=pk)  # type: ignore[arg-type]
    back = (
        redirect("web:callbacks")
        if request.POST.get("next") == "queue"
        else redirect(f"/staff/appeals/{appeal.pk}/#action-callback")
    )
    try:
        call_id = services.appeal_callback_dial_sealed(appeal=appeal, actor=Actor.staff(user))  # type: ignore[arg-type]
    except (ForbiddenError, NotFoundError):
        raise
    except DomainError as error:  # no sealed number, not awaiting a call-back: said on the page
        messages.error(request, error.message)
        return back
    messages.success(
        request,
        _("已通过话务系统拨出回访电话（呼叫编号 {call_id}），请在话务台接听；号码不显示。").format(
            call_id=call_id
        ),
    )
    return back
