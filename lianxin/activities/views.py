"""Residents' pages: the calendar, an activity (sign up — by account or by a verified phone — cancel,
check in), my activities and hours,
small wishes (raise, claim, deliver, confirm), organizations, certificate verification.

Views only parse, authorise (through selectors and the policy) and call the services; a refused
action re-renders the page with the reason and the error's 4xx status.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.core import phoneverify
from lianxin.core.errors import DomainError, ForbiddenError, NotFoundError
from lianxin.core.masking import mask_phone
from lianxin.core.ratelimit import check_rate
from lianxin.org.models import Area, User

from . import hours, orgs, phone_signups, selectors, services, wishes
from .certificate import certificate_pdf
from .forms import ProfileForm, WishActForm, WishRaiseForm
from .models import ActivityKind, ActivityPhoto, VolunteerProfile
from .policy import allowed_actions, is_organiser_anywhere, wish_allowed_actions

PAGE = 50
CERTIFICATE_RATE = "20/h"


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if user.is_authenticated else None


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """The public calendar, near the resident: their profile's areas unless they choose one."""
    user = _user(request)
    code = request.GET.get("area", "")[:40]
    area = Area.objects.filter(code=code).first() if code else None
    if code and area is None:
        raise NotFoundError(_("没有这个区域，请从列表中选择。"))
    near = selectors.areas_near(user) if area is None and not request.GET.get("all") else []
    kind = request.GET.get("kind", "")
    kind = kind if kind in ActivityKind.values else ""
    if near:
        qs = selectors.activities_public(area=near[0], kind=kind)
    else:
        qs = selectors.activities_public(area=area, kind=kind)
    return render(
        request,
        "activities/calendar.html",
        {
            "activities": qs[:PAGE],
            "area": area or (near[0] if near else None),
            "near": bool(near),
            "areas": Area.objects.exclude(level="grid").order_by("path"),
            "kinds": ActivityKind.choices,
            "kind": kind,
            "organiser": is_organiser_anywhere(user),
        },
    )


def _detail_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = _user(request)
    activity = selectors.activity_get(user, pk)
    mine = selectors.my_signup(user, activity)
    signed_in = user is not None and user.is_authenticated
    phone = None if signed_in else phoneverify.verified_phone(request)
    if mine is None and phone:
        mine = phone_signups.signup_of_phone(activity, phone)
    now = timezone.now()
    return {
        "activity": activity,
        "places": selectors.places(activity),
        "mine": mine,
        "position": selectors.waiting_position(mine) if mine else None,
        "verified_phone": mask_phone(phone) if phone else "",
        "pending_phone": "" if signed_in else phoneverify.pending_phone(request),
        "phone_action": reverse("activities:signup_phone", args=[activity.pk]),
        "open_for_signup": activity.status == "published" and now < activity.starts_at,
        "actions": allowed_actions(user, activity) if user else [],
        "photos": list(activity.photos.all()[:20]),
    }


@require_GET
def photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    """A photo of an activity the viewer may see (drafts' photos only to their organisers)."""
    activity = selectors.activity_get(_user(request), pk)
    found = ActivityPhoto.objects.filter(pk=photo_id, activity=activity).first()
    if found is None:
        raise NotFoundError(_("没有找到该照片。"))
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "activities/detail.html", _detail_context(request, pk))


def _refused(request: HttpRequest, pk: int, error: DomainError) -> HttpResponse:
    context = _detail_context(request, pk)
    context["error"] = error.message
    return render(request, "activities/detail.html", context, status=error.status_code)


@require_POST
@login_required
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    assert user is not None
    try:
        done = services.signup_create(actor=user, activity=selectors.activity_get(user, pk))
    except DomainError as error:
        return _refused(request, pk, error)
    if done.status == "confirmed":
        messages.success(request, _("报名成功，活动前一天会提醒您。"))
    else:
        messages.info(request, _("名额已满，您已进入候补名单；有人取消时会自动为您补上并通知您。"))
    return redirect("activities:detail", pk=pk)


@require_POST
def signup_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Without an account: verify the phone by a one-time code (two steps), then sign it up."""
    activity = selectors.activity_get(_user(request), pk)
    try:
        said = phoneverify.form_step(request, purpose="activities")
        if said is not None:
            messages.success(request, said)
            return redirect("activities:detail", pk=pk)
        done = phone_signups.signup_create_by_phone(
            activity=activity,
            phone=phoneverify.verified_phone(request) or "",
            name=request.POST.get("name", "")[:100],
        )
    except DomainError as error:
        return _refused(request, pk, error)
    if done.status == "confirmed":
        messages.success(request, _("报名成功，短信里有查看和取消报名的链接，活动前一天会短信提醒您。"))
    else:
        messages.info(request, _("名额已满，您已进入候补名单；有人取消时会自动为您补上并短信通知您。"))
    return redirect("activities:detail", pk=pk)


@require_http_methods(["GET", "POST"])
def phone_signup(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the SMS: a phone sign-up's status, and cancelling it (the token is the proof)."""
    signup = phone_signups.signup_by_token(token)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            signup = phone_signups.signup_cancel_by_token(token=token)
        except DomainError as refused:
            error, status = refused.message, refused.status_code
        else:
            messages.success(request, _("已取消报名。"))
            return redirect("activities:phone_signup", token=token)
    return render(
        request,
        "activities/phone_signup.html",
        {
            "signup": signup,
            "activity": signup.activity,
            "error": error,
            "position": selectors.waiting_position(signup),
            "may_cancel": signup.status != "cancelled"
            and signup.checked_in_at is None
            and timezone.now() < signup.activity.ends_at,
        },
        status=status,
    )


@require_POST
@login_required
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    assert user is not None
    try:
        mine = selectors.my_signup(user, selectors.activity_get(user, pk))
        if mine is None:
            raise NotFoundError(_("您没有报名该活动。"))
        services.signup_cancel(actor=user, signup=mine)
    except DomainError as error:
        return _refused(request, pk, error)
    messages.success(request, _("已取消报名。"))
    return redirect("activities:detail", pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The page the organiser's QR code opens: confirm, and you are checked in (or out)."""
    user = _user(request)
    assert user is not None
    code = (request.POST.get("code") or request.GET.get("code") or "")[:64]
    leaving = (request.POST.get("out") or request.GET.get("out")) == "1"
    activity = selectors.activity_get(user, pk)
    if request.method == "GET":
        return render(
            request, "activities/check_in.html", {"activity": activity, "code": code, "out": leaving}
        )
    try:
        if leaving:
            services.signup_self_check_out(actor=user, activity=activity, code=code)
            messages.success(request, _("签退成功，谢谢您的参与！"))
        else:
            services.signup_self_check_in(actor=user, activity=activity, code=code)
            messages.success(request, _("签到成功。"))
    except DomainError as error:
        return render(
            request,
            "activities/check_in.html",
            {"activity": activity, "code": code, "out": leaving, "error": error.message},
            status=error.status_code,
        )
    return redirect("activities:detail", pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My sign-ups, my volunteer hours, my wishes, my volunteer profile."""
    user = _user(request)
    assert user is not None
    profile = VolunteerProfile.objects.filter(user=user).first()
    initial = (
        {
            "skills": "，".join(profile.skills),
            "areas": list(profile.areas.all()),
            "availability": profile.availability,
        }
        if profile
        else {}
    )
    form = ProfileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                orgs.volunteer_profile_save(
                    actor=user,
                    skills=form.skill_list(),
                    areas=list(form.cleaned_data["areas"]),
                    availability=form.cleaned_data["availability"],
                )
                messages.success(request, _("志愿者资料已保存。"))
                return redirect("activities:mine")
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status_code
        else:
            status = 400
    return render(
        request,
        "activities/mine.html",
        {
            "signups": selectors.my_activities(user)[:PAGE],
            "ledger": hours.ledger_for(user),
            "wishes": selectors.wishes_of(user)[:PAGE],
            "form": form,
        },
        status=status,
    )


@require_GET
@login_required
def certificate(request: HttpRequest) -> HttpResponse:
    """My volunteer certificate as a PDF (only my own: the name is on it)."""
    user = _user(request)
    assert user is not None
    check_rate(f"activities-certificate:{user.pk}", CERTIFICATE_RATE)
    pdf = certificate_pdf(user=user, verify_url=request.build_absolute_uri(reverse("activities:verify")))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="volunteer-certificate.pdf"'
    return response


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")[:16]
    entry, error = None, ""
    if code:
        try:
            entry = hours.entry_for_code(code)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "activities/verify.html",
        {"entry": entry, "code": code, "error": error},
        status=404 if error else 200,
    )


# --- wishes ----------------------------------------------------------------------------------------


@require_GET
def wish_list(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("area", "")[:40]
    area = Area.objects.filter(code=code).first() if code else None
    views = [selectors.wish_view(None, w) for w in selectors.wishes_public(area=area)[:PAGE]]
    return render(
        request,
        "activities/wishes.html",
        {"views": views, "area": area, "areas": Area.objects.exclude(level="grid").order_by("path")},
    )


def _wish_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = _user(request)
    wish = selectors.wish_get(user, pk)
    actions = wish_allowed_actions(user, wish) if user else []
    return {
        "view": selectors.wish_view(user, wish),
        "wish": wish,
        "actions": actions,
        "suggestions": selectors.wish_suggestions(wish) if "match" in actions else [],
        "my_orgs": list(user.organizations.all()) if user else [],
    }


@require_GET
def wish_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "activities/wish.html", _wish_context(request, pk))


@require_POST
@login_required
def wish_act(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    assert user is not None
    form = WishActForm(request.POST)
    try:
        wish = selectors.wish_get(user, pk)
        if not wish_allowed_actions(user, wish):  # refuse before looking at the form
            raise ForbiddenError(_("您没有权限处理这个心愿。"))
        if not form.is_valid():
            raise DomainError(_("请求不完整：请从页面上的按钮操作。"))
        action, text = form.cleaned_data["action"], form.cleaned_data["text"]
        if action == "open":
            wishes.wish_open(actor=user, wish=wish, public_text=text)
        elif action == "claim":
            wishes.wish_claim(actor=user, wish=wish, organization=form.cleaned_data["organization"])
        elif action == "release":
            wishes.wish_release(actor=user, wish=wish, reason=text)
        elif action == "deliver":
            wishes.wish_deliver(actor=user, wish=wish, note=text)
        elif action == "confirm":
            wishes.wish_confirm(actor=user, wish=wish, thanks=text)
        else:
            wishes.wish_cancel(actor=user, wish=wish, reason=text)
    except DomainError as error:
        context = _wish_context(request, pk)
        context["error"] = error.message
        return render(request, "activities/wish.html", context, status=error.status_code)
    messages.success(request, _("已完成。"))
    return redirect("activities:wish", pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def wish_raise(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user is not None
    form = WishRaiseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                wish = wishes.wish_raise(
                    actor=user,
                    title=d["title"],
                    detail=d["detail"],
                    area=d["area"],
                    category=d["category"],
                    anonymous=d["anonymous"],
                )
                messages.success(request, _("心愿已提交，社区工作人员审核后公开（不公开您的姓名和电话）。"))
                return redirect("activities:wish", pk=wish.pk)
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status_code
        else:
            status = 400
    return render(request, "activities/wish_raise.html", {"form": form}, status=status)


# --- organizations ---------------------------------------------------------------------------------


@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    rows = [(o, selectors.organization_participation(o)) for o in selectors.organizations_public()[:200]]
    return render(request, "activities/organizations.html", {"rows": rows})


@require_GET
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organization_get(pk)
    return render(request, "activities/organization.html", selectors.organization_page(org, _user(request)))
