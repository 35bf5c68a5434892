"""The call-back queue (回访): unrated replies, oldest first, for the centre's operators. Each row
links to the case page, where the call-back is recorded (`Action.CALLBACK`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lianxin.appeals.policy import ensure_may_call_back
from lianxin.appeals.selectors import callback_queue
from lianxin.org.selectors import scope_of

from .staff import staff_required


@require_GET
@staff_required
def callback_queue_view(request: HttpRequest) -> HttpResponse:
    ensure_may_call_back(scope_of(request.user))  # type: ignore[arg-type]
    return render(request, "web/staff/callbacks.html", {"items": list(callback_queue()[:100])})
