"""Mediation endpoints (`/api/v1/mediation/…`): request, read, every transition, the agreement PDF,
the figures. Handlers parse, authorise (selectors and the policy) and call the services."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja import Status as HttpStatus

# The call form `Query(default, ...)` / `Path(...)`: `from ninja import Query` is typed only
# as `Query[Model]`.
from ninja.params.functions import Path

from lianxin.appeals.actors import Actor
from lianxin.appeals.selectors import appeal_get_for_user
from lianxin.core.errors import NotFoundError
from lianxin.mediation import presenters, selectors, services
from lianxin.mediation.intake import (
    CaseInput,
    PartyInput,
    case_hand_to_appeals,
    case_open_from_appeal,
    case_request,
)
from lianxin.mediation.models import MediationCase
from lianxin.mediation.pdf import agreement_pdf
from lianxin.mediation.policy import acts_as_staff_on_intake, figures_reach
from lianxin.org.models import User

from . import mediation_schemas as m
from . import schemas as s
from .auth import STAFF_AUTH, caller

router = Router(tags=["mediation"])
ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 429), s.ErrorOut)
CaseId = Path(..., ge=1, le=2**31 - 1, description="The case id.")


def _user(request: HttpRequest) -> User:
    user = caller(request)
    if user is None:
        raise NotFoundError("请登录或使用接口令牌。")
    return user


def _case(request: HttpRequest, case_id: int) -> tuple[User, MediationCase, Actor]:
    user = _user(request)
    case = selectors.case_get_for_user(user, case_id)
    return user, case, presenters.actor_for(user, case)


def _detail(user: User, case: MediationCase | int) -> dict[str, Any]:
    pk = case.pk if isinstance(case, MediationCase) else case
    return presenters.detail(selectors.case_get_for_user(user, pk), user)


def _parties(items: list[m.PartyIn]) -> list[PartyInput]:
    return [
        PartyInput(role=p.role, name=p.name, phone=p.phone, id_number=p.id_number, consent=p.consent)
        for p in items
    ]


@router.post(
    "/mediation/cases",
    auth=STAFF_AUTH,
    response={201: m.CaseOut, **ERRORS},
    summary="Ask for mediation (a resident) or record a dispute found on a visit (staff)",
)
def create_case(request: HttpRequest, payload: m.CaseIn) -> HttpStatus[dict[str, Any]]:
    user = _user(request)
    actor = Actor.staff(user) if acts_as_staff_on_intake(user) else Actor.resident(user)
    case = case_request(
        actor=actor,
        data=CaseInput(
            title=payload.title,
            description=payload.description,
            dispute_type=payload.dispute_type,
            area_code=payload.area,
            place=payload.place,
            parties=_parties(payload.parties),
        ),
    )
    return HttpStatus(201, _detail(user, case))


@router.post(
    "/mediation/from-appeal/{tracking_number}",
    auth=STAFF_AUTH,
    response={201: m.CaseOut, **ERRORS},
    summary="Turn an accepted appeal into a mediation case (the appeal is answered with the case number)",
)
def from_appeal(
    request: HttpRequest,
    payload: m.FromAppealIn,
    tracking_number: str = Path(..., max_length=s.TRACKING_MAX, pattern=s.NO_NUL),
) -> HttpStatus[dict[str, Any]]:
    user = _user(request)
    appeal = appeal_get_for_user(user, tracking_number=tracking_number)
    case = case_open_from_appeal(
        actor=Actor.staff(user),
        appeal=appeal,
        dispute_type=payload.dispute_type,
        respondents=_parties(payload.respondents),
        note=payload.note,
    )
    return HttpStatus(201, _detail(user, case))


@router.get("/mediation/cases", auth=STAFF_AUTH, response={200: m.CasePage, **ERRORS}, summary="List cases")
def list_cases(request: HttpRequest, filters: Query[m.CaseFilters]) -> dict[str, Any]:
    user = _user(request)
    qs = (
        selectors.queue(user, filters.queue)
        if filters.queue
        else selectors.cases_visible_to(user).order_by("priority", "-opened_at")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    start = (filters.page - 1) * filters.page_size
    rows = qs.select_related("area")[start : start + filters.page_size]
    return {
        "count": qs.count(),
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [presenters.list_item(c) for c in rows],
    }


@router.get(
    "/mediation/cases/{case_id}",
    auth=STAFF_AUTH,
    response={200: m.CaseOut, **ERRORS},
    summary="One case; parties in full only for its mediator and supervisors (audited)",
)
def get_case(request: HttpRequest, case_id: int = CaseId) -> dict[str, Any]:
    user, case, _actor = _case(request, case_id)
    return presenters.detail(case, user)


@router.get(
    "/mediation/cases/{case_id}/events",
    auth=STAFF_AUTH,
    response={200: list[m.CaseEventOut], **ERRORS},
    summary="The case's timeline",
)
def case_events(request: HttpRequest, case_id: int = CaseId) -> list[dict[str, Any]]:
    _caller, case, _actor = _case(request, case_id)
    return [presenters.event_item(e) for e in selectors.timeline(case)]


@router.get(
    "/mediation/cases/{case_id}/agreement.pdf",
    auth=STAFF_AUTH,
    response={200: None, **ERRORS},
    summary="The mediation agreement as a PDF (parties masked unless the caller may see them)",
)
def agreement(request: HttpRequest, case_id: int = CaseId) -> HttpResponse:
    user, case, _actor = _case(request, case_id)
    response = HttpResponse(agreement_pdf(case, user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}.pdf"'
    return response


@router.get(
    "/mediation/figures",
    auth=STAFF_AUTH,
    response={200: dict[str, Any], **ERRORS},
    summary="Cases by type and outcome, agreement and kept rates, time to close, per mediator and community",
)
def figures(request: HttpRequest) -> dict[str, Any]:
    return selectors.figures(area_paths=figures_reach(_user(request)))


# --- transitions: each returns the case as the caller now sees it ----------------------------------


def _act(request: HttpRequest, case_id: int, call: Any, **kwargs: Any) -> dict[str, Any]:
    user, case, actor = _case(request, case_id)
    call(case=case, actor=actor, **kwargs)
    return _detail(user, case)


TRANSITION: dict[str, Any] = {"auth": STAFF_AUTH, "response": {200: m.CaseOut, **ERRORS}}


@router.post("/mediation/cases/{case_id}/accept", summary="Accept the request (受理)", **TRANSITION)
def accept(request: HttpRequest, payload: m.NoteIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_accept, note=payload.note)


@router.post("/mediation/cases/{case_id}/decline", summary="Decline the request (不予受理)", **TRANSITION)
def decline(request: HttpRequest, payload: m.ReasonIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_decline, reason=payload.reason)


@router.post("/mediation/cases/{case_id}/assign", summary="Assign a mediator", **TRANSITION)
def assign(request: HttpRequest, payload: m.AssignIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_assign, mediator=payload.mediator)


@router.post("/mediation/cases/{case_id}/reassign", summary="Reassign to another mediator", **TRANSITION)
def reassign(request: HttpRequest, payload: m.AssignIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_reassign, mediator=payload.mediator, reason=payload.reason)


@router.post(
    "/mediation/cases/{case_id}/consent", summary="Record a party's consent to mediation", **TRANSITION
)
def consent(request: HttpRequest, payload: m.PartyRefIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.party_record_consent, party=payload.party)


@router.post("/mediation/cases/{case_id}/sessions", summary="Record a mediation session", **TRANSITION)
def session(request: HttpRequest, payload: m.SessionIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(
        request,
        case_id,
        services.case_record_session,
        held_at=payload.held_at,
        attendees=payload.attendees,
        notes=payload.notes,
        place=payload.place,
    )


@router.post(
    "/mediation/cases/{case_id}/extend", summary="Extend the deadline once, by agreement", **TRANSITION
)
def extend(request: HttpRequest, payload: m.ExtendIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_extend, days=payload.days, note=payload.note)


@router.post("/mediation/cases/{case_id}/risk", summary="Raise the risk flag", **TRANSITION)
def risk(request: HttpRequest, payload: m.RiskIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_flag_risk, reasons=list(payload.reasons), note=payload.note)


@router.post("/mediation/cases/{case_id}/agreement", summary="Record the agreement", **TRANSITION)
def record_agreement(request: HttpRequest, payload: m.AgreementIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_record_agreement, text=payload.text)


@router.post("/mediation/cases/{case_id}/sign", summary="Record a party's signature", **TRANSITION)
def sign(request: HttpRequest, payload: m.PartyRefIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_sign, party=payload.party)


@router.post("/mediation/cases/{case_id}/refer", summary="No agreement: refer the parties", **TRANSITION)
def refer(request: HttpRequest, payload: m.ReferIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_refer, target=payload.target, note=payload.note)


@router.post("/mediation/cases/{case_id}/follow-ups", summary="Record a follow-up visit", **TRANSITION)
def follow_up(request: HttpRequest, payload: m.FollowUpIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(
        request,
        case_id,
        services.case_follow_up,
        visited_at=payload.visited_at,
        kept=payload.kept,
        notes=payload.notes,
    )


@router.post("/mediation/cases/{case_id}/close", summary="Close the case (结案)", **TRANSITION)
def close(request: HttpRequest, payload: m.NoteIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_close, note=payload.note)


@router.post("/mediation/cases/{case_id}/withdraw", summary="Withdraw (撤回)", **TRANSITION)
def withdraw(request: HttpRequest, payload: m.ReasonIn, case_id: int = CaseId) -> dict[str, Any]:
    return _act(request, case_id, services.case_withdraw, reason=payload.reason)


class HandedOut(Schema):
    tracking_number: str


@router.post(
    "/mediation/cases/{case_id}/to-appeal",
    auth=STAFF_AUTH,
    response={201: HandedOut, **ERRORS},
    summary="Not a dispute: decline the case and hand it to the appeals intake",
)
def to_appeal(request: HttpRequest, payload: m.ReasonIn, case_id: int = CaseId) -> HttpStatus[dict[str, Any]]:
    _caller, case, actor = _case(request, case_id)
    appeal = case_hand_to_appeals(actor=actor, case=case, reason=payload.reason)
    return HttpStatus(201, {"tracking_number": appeal.tracking_number})
