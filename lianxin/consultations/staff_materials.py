"""Staff pages for what a consultation carries besides its text: the draft's attachments, the
summary of the opinions per paragraph (drafted, edited, published) and opening a draft from a
proactive proposal (an appeal hotspot or a recurring problem) or a supervision text hotspot."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.errors import DomainError, NotFoundError, ValidationFailedError
from lianxin.core.uploads import AttachmentInput
from lianxin.org.models import Area
from lianxin.proactive.selectors import task_for

from . import services
from .policy import allowed_actions
from .staff_views import _own, _user, staff_only


@staff_only
@require_POST
def staff_attachments(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload files (`files`) or remove one (`remove` = its id) — on the edit page."""
    user = _user(request)
    c = _own(request, slug)
    try:
        if request.POST.get("remove"):
            raw = request.POST["remove"]
            if not raw.isdigit():
                raise ValidationFailedError(_("参数有误。"), field="remove")
            services.attachment_remove(actor=user, consultation=c, attachment_id=int(raw))
            messages.success(request, _("附件已删除。"))
        else:
            files = [
                AttachmentInput(f.name or "", f.read(), f.content_type or "")
                for f in request.FILES.getlist("files")
            ]
            services.attachments_add(actor=user, consultation=c, files=files)
            messages.success(request, _("附件已上传。"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("consultations:staff_edit", slug=slug)


def _numbers(request: HttpRequest) -> dict[int | None, str]:
    """`summary-0` is the summary of the whole draft, `summary-N` of paragraph N."""
    out: dict[int | None, str] = {}
    for key in request.POST:
        if key.startswith("summary-"):
            value = request.POST.get(key, "")
            raw = key.removeprefix("summary-")
            if not raw.isdigit() or len(raw) > 4:
                raise ValidationFailedError(_("参数有误。"), field=key)
            out[int(raw) or None] = value
    return out


@staff_only
def staff_summary(request: HttpRequest, slug: str) -> HttpResponse:
    """The summary of the opinions: draft it from the analysis, edit it, publish or withdraw it."""
    user = _user(request)
    c = _own(request, slug)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "draft":
                services.summaries_draft(actor=user, consultation=c)
                messages.success(request, _("已根据意见分析生成摘要草稿，请核对修改后发布。"))
            elif step == "save":
                n = services.summaries_edit(actor=user, consultation=c, texts=_numbers(request))
                messages.success(request, _("已保存 {n} 条摘要；修改过的摘要需重新发布。").format(n=n))
            elif step in ("publish", "withdraw"):
                services.summaries_publish(actor=user, consultation=c, publish=step == "publish")
                messages.success(request, _("摘要已发布。") if step == "publish" else _("摘要已撤回。"))
            else:
                raise ValidationFailedError(_("未知操作。"))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("consultations:staff_summary", slug=slug)
    rows = list(
        c.opinion_summaries.select_related("paragraph", "edited_by").order_by(
            F("paragraph__number").asc(nulls_last=True), "id"
        )
    )
    return render(
        request,
        "consultations/staff/summary.html",
        {
            "c": c,
            "rows": rows,
            "allowed": allowed_actions(user, c),
            "published": bool(rows) and all(r.published_at for r in rows),
        },
    )


@staff_only
@require_POST
def staff_from_task(request: HttpRequest, task_id: int) -> HttpResponse:
    """Open a draft consultation from a proactive proposal or task the user may see."""
    user = _user(request)
    c = services.consultation_open_from_task(actor=user, task=task_for(user, task_id))  # 404 / 403 as errors
    messages.success(request, _("已根据诉求数据创建征求意见草稿，请补充拟采取的措施和阶段后发布。"))
    return redirect("consultations:staff_edit", slug=c.slug)


@staff_only
@require_POST
def staff_from_hotspot(request: HttpRequest) -> HttpResponse:
    """Open a draft consultation from a text hotspot of the supervision page: the hotspot is looked
    up again in the caller's own jurisdiction (optionally narrowed to `area`), never taken from the form."""
    from lianxin.supervision.policy import require_overseer
    from lianxin.supervision.selectors import text_hotspots

    user = _user(request)
    j = require_overseer(user)
    slc, area = j.slice(), None
    raw_area, label = request.POST.get("area", ""), request.POST.get("label", "").strip()
    if raw_area:
        area = (
            Area.objects.filter(pk=int(raw_area)).first()
            if raw_area.isdigit() and len(raw_area) < 12
            else None
        )
        if area is None or not j.covers_area(area):
            raise NotFoundError(_("没有找到该区域，或它不在您的督查范围内。"))
        slc = slc.narrow(area=area)
    if not label or len(label) > 200:
        raise ValidationFailedError(_("请从热点列表中选择一个热点。"), field="label")
    spot = next((h for h in text_hotspots(slc) or [] if h["label"] == label), None)
    if spot is None:
        raise NotFoundError(_("该热点已不在近期热点中，请刷新页面后再试。"))
    c = services.consultation_open_from_hotspot(actor=user, label=label, appeal_ids=spot["ids"], area=area)
    messages.success(request, _("已根据诉求数据创建征求意见草稿，请补充拟采取的措施和阶段后发布。"))
    return redirect("consultations:staff_edit", slug=c.slug)
