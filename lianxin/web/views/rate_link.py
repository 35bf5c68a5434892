"""Rating from the link in the reply's text message (短信评价): no login, no tracking number — the
signed, single-use, expiring link is the proof (appeals/sms.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lianxin.appeals.actions.rating_link import appeal_rate_by_link
from lianxin.appeals.sms import rating_link_appeal
from lianxin.core.errors import DomainError

from ..forms import RateForm, add_domain_error


@require_http_methods(["GET", "POST"])
def rate_by_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        appeal = rating_link_appeal(token)
    except DomainError as error:
        return render(request, "web/rate_link.html", {"error": error.message}, status=error.status_code)
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_rate_by_link(
                token=token,
                satisfaction=form.cleaned_data["satisfaction"],
                solved=form.solved_value(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            if not error.field:
                return render(
                    request, "web/rate_link.html", {"error": error.message}, status=error.status_code
                )
            add_domain_error(form, error.field, error.message)
        else:
            return render(request, "web/rate_link.html", {"done": _("感谢您的评价，诉求已办结。")})
    status = 400 if request.method == "POST" else 200
    return render(request, "web/rate_link.html", {"appeal": appeal, "form": form}, status=status)
