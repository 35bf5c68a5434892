"""Mediation pages: residents ask for mediation and follow it; staff take it in, assign a mediator,
record sessions, the agreement, follow-ups and the closure. Views parse, authorise and respond."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lianxin.appeals import policy as appeal_policy
from lianxin.appeals.actors import Actor
from lianxin.appeals.selectors import appeal_get_for_user
from lianxin.core.errors import DomainError, ForbiddenError, NotFoundError, ValidationFailedError
from lianxin.org.models import User
from lianxin.supervision.indicators import day_bounds
from lianxin.web.forms import add_domain_error

from . import breakdowns, presenters, selectors, services
from . import forms as f
from .intake import CaseInput, PartyInput, case_hand_to_appeals, case_open_from_appeal, case_request
from .models import MediationCase, PartyRole
from .pdf import agreement_pdf
from .policy import (
    ACTION_LABELS,
    Action,
    allowed_actions,
    ensure_may_record_dispute,
    figures_reach,
    is_mediation_staff,
    may_record_dispute,
    staff_queues_for,
)
from .privacy import parties_for

QUEUE_LABELS = {
    "to_accept": gettext_lazy("待受理"),
    "to_assign": gettext_lazy("待指派"),
    "mine": gettext_lazy("我调解的"),
    "in_mediation": gettext_lazy("调解中"),
    "agreed": gettext_lazy("待回访结案"),
    "high_risk": gettext_lazy("风险预警"),
    "overdue": gettext_lazy("已超期"),
    "closed": gettext_lazy("已结束"),
    "all": gettext_lazy("全部"),
}
PAGE_SIZE = 30

Handler = Callable[[MediationCase, Actor, dict[str, Any]], object]
ACTIONS: dict[str, tuple[type[forms.Form], Handler]] = {
    Action.ACCEPT: (f.NoteForm, lambda c, a, d: services.case_accept(case=c, actor=a, note=d["note"])),
    Action.DECLINE: (
        f.ReasonForm,
        lambda c, a, d: services.case_decline(case=c, actor=a, reason=d["reason"]),
    ),
    Action.ASSIGN: (
        f.AssignForm,
        lambda c, a, d: services.case_assign(case=c, actor=a, mediator=d["mediator"]),
    ),
    Action.REASSIGN: (
        f.AssignForm,
        lambda c, a, d: services.case_reassign(case=c, actor=a, mediator=d["mediator"], reason=d["reason"]),
    ),
    Action.RECORD_CONSENT: (
        f.PartyForm,
        lambda c, a, d: services.party_record_consent(case=c, actor=a, party=d["party"]),
    ),
    Action.RECORD_SESSION: (
        f.SessionForm,
        lambda c, a, d: services.case_record_session(
            case=c,
            actor=a,
            held_at=d["held_at"],
            attendees=d["attendees"],
            notes=d["notes"],
            place=d["place"],
        ),
    ),
    Action.EXTEND: (
        f.ExtendForm,
        lambda c, a, d: services.case_extend(case=c, actor=a, days=d["days"], note=d["note"]),
    ),
    Action.FLAG_RISK: (
        f.RiskForm,
        lambda c, a, d: services.case_flag_risk(case=c, actor=a, reasons=d["reasons"], note=d["note"]),
    ),
    Action.RECORD_AGREEMENT: (
        f.AgreementForm,
        lambda c, a, d: services.case_record_agreement(case=c, actor=a, text=d["text"]),
    ),
    Action.SIGN: (f.PartyForm, lambda c, a, d: services.case_sign(case=c, actor=a, party=d["party"])),
    Action.REFER: (
        f.ReferForm,
        lambda c, a, d: services.case_refer(case=c, actor=a, target=d["target"], note=d["note"]),
    ),
    Action.FOLLOW_UP: (
        f.FollowUpForm,
        lambda c, a, d: services.case_follow_up(
            case=c, actor=a, visited_at=d["visited_at"], kept=d["kept"], notes=d["notes"]
        ),
    ),
    Action.CLOSE: (f.NoteForm, lambda c, a, d: services.case_close(case=c, actor=a, note=d["note"])),
    Action.WITHDRAW: (
        f.OptionalReasonForm,
        lambda c, a, d: services.case_withdraw(case=c, actor=a, reason=d["reason"]),
    ),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def mediation_staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_mediation_staff(_user(request)):
            raise ForbiddenError(_("调解工作台仅供调解员和工作人员使用。群众可以在“申请调解”页面提出申请。"))
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapper


# --- residents ---------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    mine = (
        list(selectors.cases_of_resident(user).select_related("area")[:20]) if user.is_authenticated else []
    )
    return render(
        request,
        "mediation/home.html",
        {"mine": mine, "staff": is_mediation_staff(user), "may_record": may_record_dispute(user)},
    )


def _parties_from(data: dict[str, Any], *, staff: bool) -> list[PartyInput]:
    return [
        PartyInput(
            role=PartyRole.APPLICANT,
            name=data["applicant_name"],
            phone=data["applicant_phone"],
            id_number=data.get("applicant_id_number", "") if staff else "",
            consent=bool(data["consent"]),
        ),
        PartyInput(
            role=PartyRole.RESPONDENT,
            name=data["respondent_name"],
            phone=data["respondent_phone"],
            consent=bool(data.get("respondent_consent", False)),
        ),
    ]


def _request_page(request: HttpRequest, *, staff: bool) -> HttpResponse:
    user = _user(request)
    form_class = f.VisitCaseForm if staff else f.CaseRequestForm
    initial = {} if staff else {"applicant_name": user.display_name, "applicant_phone": user.phone}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        actor = Actor.staff(user) if staff else Actor.resident(user)
        try:
            case = case_request(
                actor=actor,
                data=CaseInput(
                    title=d["title"],
                    description=d["description"],
                    dispute_type=d["dispute_type"],
                    area_code=d["area"],
                    place=d["place"],
                    parties=_parties_from(d, staff=staff),
                ),
            )
        except DomainError as error:
            add_domain_error(
                form,
                (error.field or "")
                .replace("parties[0].", "applicant_")
                .replace("parties[1].", "respondent_"),
                error.message,
            )
        else:
            messages.success(request, _("已提交调解申请，案号 {number}。").format(number=case.number))
            if not staff:
                return redirect("mediation:mine_case", pk=case.pk)
            if not is_mediation_staff(user):  # a grid worker: no workbench, the case is in intake's hands
                return redirect("mediation:home")
            return redirect("mediation:staff_case", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "mediation/request.html", {"form": form, "staff": staff}, status=status)


@login_required
def request_mediation(request: HttpRequest) -> HttpResponse:
    return _request_page(request, staff=False)


@login_required
@require_GET
def mine_case(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = selectors.cases_of_resident(user).select_related("area", "mediator").filter(pk=pk).first()
    if case is None:
        raise NotFoundError(_(selectors.NOT_FOUND))
    actor = Actor.resident(user) if case.requested_by_id == user.pk else Actor.staff(user)
    return render(
        request,
        "mediation/mine_case.html",
        {
            "case": case,
            "parties": parties_for(user, case),
            "events": selectors.timeline(case),
            "deadline": presenters.deadline_of(case),
            "may_withdraw": Action.WITHDRAW in allowed_actions(actor, case),
        },
    )


@login_required
@require_POST
def mine_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = selectors.cases_of_resident(user).filter(pk=pk).first()
    if case is None:
        raise NotFoundError(_(selectors.NOT_FOUND))
    form = f.OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.case_withdraw(case=case, actor=Actor.resident(user), reason=reason)
    messages.success(request, _("已撤回调解申请。"))
    return redirect("mediation:mine_case", pk=pk)


# --- staff ---------------------------------------------------------------------------------------------


def _queues_for(user: User) -> list[str]:
    return staff_queues_for(user)


@mediation_staff_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    names = _queues_for(user)
    name = request.GET.get("queue") or names[0]
    if name not in selectors.QUEUES:
        raise NotFoundError(_("没有这个工作队列。"))
    qs = selectors.queue(user, name).select_related("area", "mediator")
    cases = list(qs[:PAGE_SIZE])
    return render(
        request,
        "mediation/staff_home.html",
        {
            "queues": [(n, QUEUE_LABELS[n]) for n in names],
            "current": name,
            "cases": cases,
            "deadlines": {c.pk: presenters.deadline_of(c) for c in cases},
            "may_record": may_record_dispute(user),
        },
    )


def _forms_for(
    case: MediationCase, actions: list[str], bound: dict[str, forms.Form] | None
) -> dict[str, forms.Form]:
    mediators = [(u.pk, u.display_name or u.username) for u in selectors.mediators_for(case)]
    parties = list(case.parties.all())
    built: dict[str, forms.Form] = {}
    for action in actions:
        if bound and action in bound:
            built[action] = bound[action]
            continue
        form_class, _handler = ACTIONS[action]
        kwargs: dict[str, Any] = {"prefix": action}
        if form_class is f.AssignForm:
            kwargs["mediators"] = mediators
        if form_class is f.PartyForm:
            pending = [
                p
                for p in parties
                if (not p.consent if action == Action.RECORD_CONSENT else p.signed_at is None)
            ]
            kwargs["parties"] = [(p.pk, p.get_role_display()) for p in pending]
        built[action] = form_class(**kwargs)
    return built


def _render_case(
    request: HttpRequest,
    case: MediationCase,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    actions = allowed_actions(Actor.staff(user), case)
    built = _forms_for(case, actions, bound)
    return render(
        request,
        "mediation/staff_case.html",
        {
            "case": case,
            "parties": parties_for(user, case, purpose="web_case_page"),
            "events": selectors.timeline(case),
            "sessions": case.sessions.all(),
            "follow_ups": case.follow_ups.all(),
            "deadline": presenters.deadline_of(case),
            "action_forms": [(a, ACTION_LABELS[a], built[a]) for a in actions],
            "to_appeal_form": f.ReasonForm(prefix="to_appeal") if Action.DECLINE in actions else None,
        },
        status=status,
    )


@mediation_staff_required
@require_GET
def staff_case(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, selectors.case_get_for_user(_user(request), pk))


@mediation_staff_required
@require_POST
def staff_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action from the case page; errors come back beside the field, the input kept."""
    user = _user(request)
    case = selectors.case_get_for_user(user, pk)
    if action not in ACTIONS:
        raise NotFoundError(_("没有这个操作。"))
    actions = allowed_actions(Actor.staff(user), case)
    form = ACTIONS[action][0]
    kwargs: dict[str, Any] = {"prefix": action}
    if form is f.AssignForm:
        kwargs["mediators"] = [(u.pk, u.display_name or u.username) for u in selectors.mediators_for(case)]
    if form is f.PartyForm:
        kwargs["parties"] = [(p.pk, p.get_role_display()) for p in case.parties.all()]
    bound = form(request.POST, **kwargs)
    if not bound.is_valid():
        return _render_case(request, case, bound={action: bound}, status=400)
    try:
        ACTIONS[action][1](case, Actor.staff(user), bound.cleaned_data)
    except DomainError as error:
        case = selectors.case_get_for_user(user, pk)
        if action not in actions:
            raise
        add_domain_error(bound, error.field, error.message)
        return _render_case(request, case, bound={action: bound}, status=error.status_code)
    messages.success(request, _("已{label}。").format(label=ACTION_LABELS[action]))
    return redirect("mediation:staff_case", pk=pk)


@login_required
def staff_new(request: HttpRequest) -> HttpResponse:
    """Recording a dispute found on a visit: whoever `policy.may_record_dispute` admits (the API's
    rule too) — grid workers included, leaders not."""
    ensure_may_record_dispute(_user(request))
    return _request_page(request, staff=True)


@mediation_staff_required
@require_GET
def staff_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = selectors.case_get_for_user(user, pk)
    response = HttpResponse(agreement_pdf(case, user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}.pdf"'
    return response


@login_required
def from_appeal(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """Turn an accepted appeal into a mediation case (the unit's handler, from the appeal page)."""
    user = _user(request)
    appeal = appeal_get_for_user(user, tracking_number=tracking_number)
    if not appeal_policy.can(Actor.staff(user), appeal, appeal_policy.Action.REPLY):  # before the form
        raise ForbiddenError(_("只有已签收该诉求的承办人可以把它转为调解案件。"))
    form = f.FromAppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = case_open_from_appeal(
                actor=Actor.staff(user),
                appeal=appeal,
                dispute_type=d["dispute_type"],
                note=d["note"],
                respondents=[
                    PartyInput(
                        role=PartyRole.RESPONDENT, name=d["respondent_name"], phone=d["respondent_phone"]
                    )
                ],
            )
        except DomainError as error:
            add_domain_error(form, (error.field or "").replace("parties[1].", "respondent_"), error.message)
        else:
            messages.success(request, _("已转为调解案件 {number}，并答复了群众。").format(number=case.number))
            return redirect("web:appeal", pk=appeal.pk)
    return render(
        request,
        "mediation/from_appeal.html",
        {"form": form, "appeal": appeal},
        status=400 if request.method == "POST" else 200,
    )


@mediation_staff_required
@require_GET
def staff_figures(request: HttpRequest) -> HttpResponse:
    reach = figures_reach(_user(request))
    paths = tuple(reach) if reach is not None else None
    first, last = _month(request.GET.get("month", ""))
    since, until = day_bounds(first, last)
    return render(
        request,
        "mediation/figures.html",
        {
            "figures": selectors.figures(area_paths=paths, since=since, until=until),
            "month": first,
            "by": {
                by: breakdowns.breakdown(paths, first, last, by=by)
                for by in ("type", "community", "mediator")
            },
        },
    )


def _month(value: str) -> tuple[dt.date, dt.date]:
    """The first and last day of `YYYY-MM` (this month when empty)."""
    value = value.strip()[:7]
    if not value:
        today = timezone.localdate()
        first = today.replace(day=1)
    else:
        try:
            first = dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise ValidationFailedError(_("月份的格式是 YYYY-MM，例如 2026-05。"), field="month") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


@mediation_staff_required
@require_POST
def staff_to_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """Decline a request that is a matter for a department and hand it to the appeals intake."""
    user = _user(request)
    case = selectors.case_get_for_user(user, pk)
    form = f.ReasonForm(request.POST, prefix="to_appeal")
    if not form.is_valid():
        return _render_case(request, case, status=400)
    appeal = case_hand_to_appeals(actor=Actor.staff(user), case=case, reason=form.cleaned_data["reason"])
    messages.success(
        request,
        _("已转为诉求 {tracking}，由派单员派给职能部门办理。").format(tracking=appeal.tracking_number),
    )
    return redirect("mediation:staff_case", pk=pk)
