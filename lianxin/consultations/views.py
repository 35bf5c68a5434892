"""Residents' pages: open consultations, a consultation with its paragraphs and comment boxes,
the survey, statement voting one at a time, results and the decision with its feedback.

Views parse, authorise (selectors / policy) and call the services; a refused write comes back to
the page it came from with the reason as a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lianxin.core.errors import DomainError, NotFoundError, ValidationFailedError
from lianxin.core.ratelimit import check_rate, client_ip
from lianxin.org.models import Area, User
from lianxin.org.selectors import scope_of

from . import selectors, services
from .models import Hearing, ResidentProfile, Status
from .phases import current_phase, features_of
from .policy import Action, allowed_actions, is_organiser

WRITE_RATE = "60/m"  # contributions per person and minute


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _int(value: str | None, field: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise ValidationFailedError(_("“{field}”应为数字。").format(field=field), field=field) from None


def _act(request: HttpRequest, slug: str, anchor: str, work: Callable[[User, Any], str]) -> HttpResponse:
    """Run one write for the logged-in user and go back to the page with a message."""
    user = _user(request)
    assert user is not None
    consultation = selectors.consultation_get(user, slug)
    check_rate(f"consult-write:{user.pk}", WRITE_RATE)
    back = request.POST.get("back") or reverse("consultations:detail", args=[slug])
    if not back.startswith("/consultations/"):
        back = reverse("consultations:detail", args=[slug])
    try:
        messages.success(request, work(user, consultation))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{back}{anchor}")


@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    public = selectors.consultations_public()
    return render(
        request,
        "consultations/list.html",
        {
            "open": [(c, current_phase(c)) for c in public.filter(status=Status.PUBLISHED)],
            "finished": public.filter(status__in=(Status.CLOSED, Status.ARCHIVED))[:50],
            "may_manage": scope_of(_user(request)).is_staff_member,
        },
    )


@require_GET
def consultation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    c = selectors.consultation_get(user, slug)
    viewer = selectors.participant_of(c, user)
    threads = selectors.comment_threads(c, viewer)
    by_paragraph: dict[int | None, list[Any]] = {}
    for t in threads:
        by_paragraph.setdefault(t.paragraph, []).append(t)
    paragraphs = [
        (v, by_paragraph.get(v.paragraph.number, [])) for v in selectors.paragraphs_with_counts(c, viewer)
    ]
    phase = current_phase(c)
    return render(
        request,
        "consultations/detail.html",
        {
            "c": c,
            "phase": phase,
            "features": features_of(phase.type) if phase else frozenset(),
            "paragraphs": paragraphs,
            "general": by_paragraph.get(None, []),
            "proposals": selectors.proposals_visible(c, viewer)[:100],
            "allowed": allowed_actions(user, c),
            "me": viewer,
            "organiser": is_organiser(user, c),
            "has_survey": c.questions.exists(),
            "has_statements": c.statements.exists(),
            "budget": selectors.budget_result(c) if c.budget_total else None,
            "hearings": [
                (
                    h,
                    next(
                        (r for r in h.registrations.all() if viewer and r.participant_id == viewer.pk), None
                    ),
                )
                for h in Hearing.objects.filter(consultation=c).prefetch_related("registrations")
            ],
            "voted_budget": viewer is not None and c.budget_ballots.filter(participant=viewer).exists(),
            "attachments": list(selectors.attachments_of(c)),
            "origin": selectors.origin_public(c),
        },
    )


@require_GET
def attachment(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """One of the draft's attachments, for anyone who may see the consultation."""
    c = selectors.consultation_get(_user(request), slug)
    row = selectors.attachments_of(c).filter(pk=pk).first()
    if row is None:
        raise NotFoundError(_("没有这个附件。"))
    response = FileResponse(
        row.file.open("rb"),
        content_type=row.content_type,
        filename=row.original_name,
        as_attachment=row.content_type == "application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def comment(request: HttpRequest, slug: str) -> HttpResponse:
    number = request.POST.get("paragraph") or None
    parent = request.POST.get("parent") or None

    def work(user: User, c: Any) -> str:
        created = services.comment_add(
            actor=user,
            consultation=c,
            text=request.POST.get("text", ""),
            paragraph_number=_int(number, "paragraph") if number else None,
            parent_id=_int(parent, "parent") if parent else None,
        )
        return (
            _("意见已提交，审核通过后公开。")
            if created.visibility == "pending"
            else _("意见已发表，感谢参与。")
        )

    return _act(request, slug, f"#p{number}" if number else "#general", work)


@login_required
@require_POST
def rate(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def work(user: User, c: Any) -> str:
        services.paragraph_rate(
            actor=user,
            consultation=c,
            paragraph_number=number,
            value=_int(request.POST.get("value"), "value"),
        )
        return _("已记录您的态度。")

    return _act(request, slug, f"#p{number}", work)


@login_required
@require_POST
def proposal_add(request: HttpRequest, slug: str) -> HttpResponse:
    def work(user: User, c: Any) -> str:
        p = services.proposal_add(
            actor=user, consultation=c, title=request.POST.get("title", ""), text=request.POST.get("text", "")
        )
        return _("金点子已提交，审核通过后公开。") if p.visibility == "pending" else _("金点子已提交。")

    return _act(request, slug, "#proposals", work)


@login_required
@require_POST
def proposal_support(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def work(user: User, c: Any) -> str:
        services.proposal_support(actor=user, consultation=c, proposal_id=pk)
        return _("已支持。")

    return _act(request, slug, "#proposals", work)


@login_required
@require_POST
def budget_vote(request: HttpRequest, slug: str) -> HttpResponse:
    def work(user: User, c: Any) -> str:
        numbers = [_int(v, "projects") for v in request.POST.getlist("project")]
        services.budget_vote(actor=user, consultation=c, project_numbers=numbers)
        return _("投票已提交，感谢参与。")

    return _act(request, slug, "#budget", work)


@login_required
@require_POST
def hearing_register(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cancel = request.POST.get("cancel") == "1"

    def work(user: User, c: Any) -> str:
        if cancel:
            services.hearing_cancel(actor=user, consultation=c, hearing_id=pk)
            return _("已取消报名。")
        r = services.hearing_register(actor=user, consultation=c, hearing_id=pk)
        return _("已报名，进入候补名单。") if r.status == "waiting" else _("报名成功。")

    return _act(request, slug, "#hearings", work)


@login_required
@require_POST
def report(request: HttpRequest, slug: str) -> HttpResponse:
    def work(user: User, c: Any) -> str:
        services.content_report(
            actor=user,
            consultation=c,
            kind=request.POST.get("kind", ""),
            object_id=_int(request.POST.get("object_id"), "object_id"),
            reason=request.POST.get("reason", ""),
        )
        return _("举报已收到，我们会尽快处理。")

    return _act(request, slug, "", work)


def _survey_answers(request: HttpRequest, questions: list[Any]) -> dict[int, Any]:
    answers: dict[int, Any] = {}
    for q in questions:
        key = f"q{q.number}"
        if q.kind == "multiple":
            answers[q.number] = [_int(v, key) for v in request.POST.getlist(key)]
        elif q.kind == "ranking":  # one rank (1 = first) per option; options left empty are unranked
            ranks = [
                (_int(request.POST.get(f"{key}_{i}"), key), i)
                for i in range(len(q.options))
                if request.POST.get(f"{key}_{i}")
            ]
            if len({r for r, _i in ranks}) != len(ranks):
                raise ValidationFailedError(
                    _("第 {n} 题：每个名次只能给一个选项。").format(n=q.number), field=key
                )
            answers[q.number] = [i for _r, i in sorted(ranks)]
        elif q.kind in ("single", "scale"):
            raw = request.POST.get(key, "")
            answers[q.number] = _int(raw, key) if raw else None
        else:
            answers[q.number] = request.POST.get(key, "")
    return answers


def survey(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    c = selectors.consultation_get(user, slug)
    questions = list(c.questions.all())
    if request.method == "POST":
        if user is None:
            return redirect(f"{reverse('web:login')}?next={request.path}")
        try:
            answers = _survey_answers(request, questions)
            services.survey_answer(actor=user, consultation=c, answers=answers)
        except DomainError as exc:
            messages.error(request, exc.message)
            return render(
                request,
                "consultations/survey.html",
                {"c": c, "questions": questions, "posted": request.POST},
                status=exc.status_code,
            )
        messages.success(request, _("问卷已提交，感谢参与。"))
        return redirect("consultations:results", slug=slug)
    return render(
        request,
        "consultations/survey.html",
        {
            "c": c,
            "questions": questions,
            "may": Action.ANSWER_SURVEY in allowed_actions(user, c),
            "posted": {},
        },
    )


def statements(request: HttpRequest, slug: str) -> HttpResponse:
    """One statement at a time: agree / disagree / pass, and a box to add one's own."""
    user = _user(request)
    c = selectors.consultation_get(user, slug)
    if request.method == "POST":
        if user is None:
            return redirect(f"{reverse('web:login')}?next={request.path}")
        try:
            check_rate(f"consult-write:{user.pk}", WRITE_RATE)
            if request.POST.get("text") is not None:
                services.statement_add(actor=user, consultation=c, text=request.POST.get("text", ""))
                messages.success(request, _("观点已提交，审核通过后大家就能看到。"))
            else:
                services.statement_vote(
                    actor=user,
                    consultation=c,
                    statement_id=_int(request.POST.get("statement"), "statement"),
                    value=_int(request.POST.get("value"), "value"),
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("consultations:statements", slug=slug)
    viewer = selectors.participant_of(c, user)
    return render(
        request,
        "consultations/statements.html",
        {
            "c": c,
            "statement": selectors.next_statement(c, viewer),
            "allowed": allowed_actions(user, c),
            "voted": viewer.statement_votes.count() if viewer else 0,
        },
    )


@require_GET
def results(request: HttpRequest, slug: str) -> HttpResponse:
    c = selectors.consultation_get(_user(request), slug)
    data = selectors.results(c)
    texts = dict(c.statements.values_list("pk", "text"))
    groups = [
        {
            **g,
            "representative": [
                {**r, "text": texts.get(int(r["statement"]), "")} for r in g["representative"][:5]
            ],
        }
        for g in data["groups"]["groups"]
    ]
    consensus = [texts.get(int(s), "") for s in data["groups"]["consensus"][:5]]
    chart = {
        "survey": data["survey"],
        "points": data["groups"]["points"],
        "labels": {"group": _("观点群体"), "count": _("人数")},
    }
    return render(
        request,
        "consultations/results.html",
        {
            "c": c,
            "r": data,
            "groups": groups,
            "consensus": consensus,
            "chart_data": chart,
        },
    )


@require_GET
def decision(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    c = selectors.consultation_get(user, slug)
    viewer = selectors.participant_of(c, user)
    answered = [t for t in selectors.comment_threads(c, viewer) if t.feedback is not None]
    return render(
        request,
        "consultations/decision.html",
        {
            "c": c,
            "paragraphs": selectors.decision_diff(c) if c.decision_published_at else [],
            "figures": selectors.feedback_figures(c),
            "answered": answered,
            "proposals": [p for p in selectors.proposals_visible(c, viewer) if getattr(p, "feedback", None)],
        },
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The resident's participation profile: verify a phone by one-time code, set the home community."""
    user = _user(request)
    assert user is not None
    if request.method == "POST":
        try:
            step = request.POST.get("step")
            if step == "send":
                services.phone_code_send(
                    actor=user, phone=request.POST.get("phone", "")[:40], client=client_ip(request)
                )
                messages.success(request, _("验证码已发送，10 分钟内有效。"))
            elif step == "verify":
                services.phone_code_verify(actor=user, code=request.POST.get("code", ""))
                messages.success(request, _("手机号已验证。"))
            elif step == "area":
                area = Area.objects.filter(code=request.POST.get("area", ""), level="community").first()
                if area is None:
                    raise ValidationFailedError(_("请选择居住的社区。"), field="area")
                services.home_area_set(actor=user, area=area)
                messages.success(request, _("居住社区已保存。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(_safe_back(request.POST.get("next", "")))
    return render(
        request,
        "consultations/profile.html",
        {
            "profile": ResidentProfile.objects.filter(user=user).select_related("home_area").first(),
            "communities": Area.objects.filter(level="community").order_by("path"),
            "next": request.GET.get("next", ""),
        },
    )


def _safe_back(target: str) -> str:
    return target if target.startswith("/consultations/") else reverse("consultations:profile")
