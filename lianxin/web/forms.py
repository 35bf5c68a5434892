"""Forms of the web interface. They only parse input; the rules live in the services.

Forms do not query the database for their choices: the view passes them in, read by the selectors
(`lianxin.org.selectors.*_choices`). The unit pickers are `ModelChoiceField`s over the active
units: Django's own lazy queryset, which also validates the choice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.models import TEXT_MAX_LENGTH, Channel, Kind, ReplyResult, Satisfaction, Urgency
from lianxin.appeals.services import NOTE_MAX_LENGTH
from lianxin.org.models import Area, AreaLevel, Unit, UnitKind

# Where the intake/service field names land in our forms.
FIELD_MAP = {
    "area": "street",
    "title": "text",
    "category": None,
    "channel": None,
    "urgency": None,
    "latitude": "address",
    "longitude": "address",
}


def add_domain_error(form: forms.Form, field: str | None, message: str) -> None:
    """Show a domain error beside the field it names, or above the form."""
    target = (field if field in form.fields else FIELD_MAP.get(field, field)) if field else None
    form.add_error(target if target in form.fields else None, message)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


Choices = Sequence[tuple[str, Any]]  # (value, label), or (group label, [(value, label), …])


class AppealForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("诉求类型"), choices=Kind.choices, initial=Kind.COMPLAINT, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("发生了什么"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        help_text=_("请写清楚：什么事、在哪里、持续多久、希望怎样解决。"),
        widget=forms.Textarea(
            attrs={"rows": 6, "maxlength": TEXT_MAX_LENGTH, "data-counter": "text-counter"}
        ),
    )
    street = forms.ChoiceField(label=_("街道"), required=False)
    community = forms.ChoiceField(label=_("社区"), required=False)
    grid = forms.ChoiceField(label=_("网格"), required=False)
    address = forms.CharField(
        label=_("详细地址"), max_length=200, required=False, help_text=_("例如：幸福小区3栋门口")
    )
    # the phone's location, filled by the "use my location" button (site.js); checked by intake
    latitude = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    attachments = MultipleFileField(
        label=_("照片或文件（可选）"),
        required=False,
        help_text=_("最多 6 个，每个不超过 10 MB；支持 JPEG、PNG、GIF、WebP 图片和 PDF。"),
    )
    anonymous = forms.BooleanField(label=_("匿名提交（不留姓名和电话）"), required=False)
    contact_name = forms.CharField(label=_("姓名（可选）"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_consent = forms.BooleanField(
        label=_("我同意办理单位使用我的姓名和电话办理并答复此诉求；工作人员看到的电话会被部分隐藏。"),
        required=False,
    )
    callback_phone = forms.CharField(
        label=_("回访电话（可选，仅匿名时）"),
        max_length=20,
        required=False,
        help_text=_("只用于办结后的回访：号码加密保存，任何工作人员都看不到、查不到，由系统代拨。"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )

    def __init__(
        self, *args: Any, streets: Choices = (), communities: Choices = (), grids: Choices = (), **kwargs: Any
    ) -> None:
        """`streets`, and the `communities` of the street and the `grids` of the community chosen."""
        super().__init__(*args, **kwargs)
        empty: list[tuple[str, Any]] = [("", _("— 请选择 —"))]
        set_choices(self, "street", empty + list(streets))
        set_choices(self, "community", empty + list(communities))
        set_choices(self, "grid", empty + list(grids))

    def area_code(self) -> str:
        data = self.cleaned_data
        return data.get("grid") or data.get("community") or data.get("street") or ""


class TrackForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("受理编号"), max_length=20, help_text=_("提交后页面上显示的编号，例如 LX20260101-000123")
    )
    secret = forms.CharField(
        label=_("联系电话后四位，或匿名查询码"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


SOLVED_CHOICES = [("yes", _("已解决")), ("no", _("未解决")), ("", _("说不清"))]


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果是否满意"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    solved = forms.ChoiceField(
        label=_("问题是否已解决"), choices=SOLVED_CHOICES, required=False, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("评价（可选）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )

    def solved_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("solved") or "")


class CallbackForm(forms.Form):
    """One call-back (回访): what the resident said, or that nobody answered."""

    outcome = forms.ChoiceField(
        label=_("回访结果"),
        choices=[("reached", _("已接通")), ("no_answer", _("未接通"))],
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("群众对办理结果是否满意"),
        choices=Satisfaction.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    solved = forms.ChoiceField(
        label=_("问题是否已解决"), choices=SOLVED_CHOICES, required=False, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("回访记录"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
    )
    reopen_reason = forms.CharField(
        label=_("群众要求重办时填写理由"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重办理由"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )


class WithdrawForm(forms.Form):
    """撤回: an optional reason and a required confirmation box (the
    confirmation step, no JavaScript needed)."""

    prefix = "withdraw"  # the tracking page also holds the reopen form's `reason`
    reason = forms.CharField(
        label=_("撤回原因（可选）"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )
    confirm = forms.BooleanField(
        label=_("我确认撤回：撤回后该诉求不再办理，也不能恢复。"),
        error_messages={"required": _("请勾选“我确认撤回”后再提交；不想撤回则无需操作。")},
    )


# --- staff ---------------------------------------------------------------------------------------


class GroupedUnitIterator(forms.models.ModelChoiceIterator[Unit]):
    """Units in option groups, each sorted by name: departments (and the other district-wide kinds)
    by kind, street offices and community committees by the street they serve. A dispatcher finds
    the unit among dozens without scrolling a flat, unsorted list; with JavaScript a search box
    above the list narrows it (site.js `unitSearch`)."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        order = {kind: i for i, kind in enumerate(UnitKind.values)}
        keyed: list[tuple[tuple[int, str, str], str, Any]] = []
        for unit in self.queryset.select_related("area__parent"):  # no query beyond the units'
            street = _street_of(unit.area) if unit.kind in _BY_STREET else None
            if street is not None:
                keyed.append(((order[UnitKind.STREET_OFFICE], street.path, unit.name), street.name, unit))
            else:
                label = str(unit.get_kind_display())
                keyed.append(((order.get(unit.kind, len(order)), "", unit.name), label, unit))
        groups: dict[str, list[Any]] = {}
        for _key, label, unit in sorted(keyed, key=lambda row: row[0]):
            groups.setdefault(label, []).append(self.choice(unit))
        yield from groups.items()


_BY_STREET = (UnitKind.STREET_OFFICE, UnitKind.COMMUNITY)


def _street_of(area: Area) -> Area | None:
    """The street a street office or community unit serves: its area, or the area's parent."""
    if area.level == AreaLevel.STREET:
        return area
    if area.parent is not None and area.parent.level == AreaLevel.STREET:
        return area.parent
    return None


class GroupedUnitField(forms.ModelChoiceField[Unit]):
    iterator = GroupedUnitIterator

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # site.js puts a search box above the list; without JavaScript the grouped list is enough
        return {**super().widget_attrs(widget), "data-unit-search": _("输入单位名称或街道筛选")}


def unit_field(label: Any = None, **kwargs: Any) -> forms.ModelChoiceField[Unit]:
    return GroupedUnitField(
        label=label or _("承办单位"),
        queryset=Unit.objects.filter(active=True),
        empty_label=_("— 请选择单位 —"),
        **kwargs,
    )


def note_field(label: Any, *, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=1000,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": 1000}),
    )


def text_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX_LENGTH}),
    )


class DispatchForm(forms.Form):
    unit = unit_field()
    note = note_field(_("派单说明（可选）"))


class BulkDispatchForm(forms.Form):
    """The queue's bulk dispatch: the same grouped, searchable unit list as the case page's."""

    unit = unit_field(_("把勾选的诉求派给"))


class RedispatchForm(forms.Form):
    unit = unit_field(_("改派给"))
    note = note_field(_("改派原因"), required=False)


class NoteForm(forms.Form):
    note = note_field(_("备注（可选）"))


class ReasonForm(forms.Form):
    reason = note_field(_("理由"))


class CoHandlerForm(forms.Form):
    unit = unit_field(_("协办单位"))
    note = note_field(_("协办事项（可选）"))


class ChaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("chase", _("催办")), ("supplement", _("补充"))])
    note = note_field(_("群众所说的内容"))


class TextForm(forms.Form):
    text = text_field(_("内容"))


class ReplyForm(TextForm):
    """The unit's reply with its result type (办理结果) and whether the resident was reached (联系群众),
    and a photo or document (checked as an appeal's attachments are)."""

    result = forms.ChoiceField(label=_("办理结果"), choices=ReplyResult.choices, widget=forms.RadioSelect)
    contacted = forms.ChoiceField(
        label=_("是否已联系群众"),
        required=False,
        initial="",
        choices=[
            ("", _("本次不记录")),
            ("phone", _("已电话联系")),
            ("visit", _("已上门")),
            ("sms", _("已短信联系")),
            ("other", _("已通过其他方式联系")),
        ],
    )
    attachment = forms.FileField(label=_("附件（可选：照片或 PDF）"), required=False)
    attachment_public = forms.BooleanField(label=_("附件群众可见"), required=False, initial=True)


class FieldRecordForm(forms.Form):
    """A grid worker's record on the spot (现场记录): the kind, what was seen, a photo from the phone."""

    kind = forms.ChoiceField(
        label=_("记录类型"),
        widget=forms.RadioSelect,
        initial="check",
        choices=[
            ("check", _("现场核查")),
            ("photo", _("现场照片")),
            ("note", _("备注")),
            ("report_back", _("回告")),
        ],
    )
    note = note_field(_("现场情况（拍照时可选）"), rows=3)
    photo = forms.FileField(
        label=_("照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class ExtensionForm(forms.Form):
    working_days = forms.IntegerField(label=_("延期工作日"), min_value=1, max_value=30, initial=3)
    reason = note_field(_("延期理由"))


class DecideExtensionForm(forms.Form):
    approve = forms.ChoiceField(
        label=_("审批意见"),
        choices=[("yes", _("同意")), ("no", _("驳回"))],
        widget=forms.RadioSelect,
        initial="yes",
    )
    note = note_field(_("说明（驳回时必填）"))


class ContactForm(forms.Form):
    method = forms.ChoiceField(
        label=_("联系方式"),
        choices=[("phone", _("电话")), ("visit", _("上门")), ("sms", _("短信")), ("other", _("其他"))],
        initial="phone",
    )
    note = note_field(_("沟通情况（可选）"))


class JudgeReturnForm(forms.Form):
    justified = forms.ChoiceField(
        label=_("审核意见"),
        choices=[("yes", _("退单理由成立")), ("no", _("退单理由不成立"))],
        widget=forms.RadioSelect,
        initial="yes",
    )
    note = note_field(_("说明（不成立时必填）"))


class MergeForm(forms.Form):
    into = forms.CharField(label=_("并入的受理编号"), max_length=20)
    note = note_field(_("说明（可选）"))


class ReclassifyForm(forms.Form):
    """改分类: the category and the area (a community or grid), preset to the appeal's current ones."""

    category = forms.ChoiceField(label=_("分类"), required=False)
    area = forms.ChoiceField(label=_("区域（社区或网格）"), required=False)
    reason = note_field(_("改分类原因"))

    def __init__(self, *args: Any, categories: Choices = (), areas: Choices = (), **kwargs: Any) -> None:
        """`categories` (active, indented) and `areas` (communities and grids, grouped by street)."""
        super().__init__(*args, **kwargs)
        keep: list[tuple[str, Any]] = [("", _("— 不变 —"))]
        set_choices(self, "category", keep + list(categories))
        set_choices(self, "area", keep + list(areas))


class HotlineForm(forms.Form):
    contact_phone = forms.CharField(
        label=_("来电号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autofocus": True, "autocomplete": "off"}),
    )
    contact_name = forms.CharField(label=_("来电人姓名（可选）"), max_length=50, required=False)
    text = forms.CharField(
        label=_("来电内容"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "maxlength": TEXT_MAX_LENGTH, "data-counter": "text-counter"}
        ),
    )
    # Options start with a digit or the area code so the operator can pick them by typing (type-ahead).
    kind = forms.ChoiceField(
        label=_("诉求类型（按数字键选择）"), initial=Kind.COMPLAINT, choices=Kind.choices
    )
    area = forms.ChoiceField(label=_("所在区域（可输入区域编码选择）"), required=False)
    address = forms.CharField(label=_("详细地址（可选）"), max_length=200, required=False)
    answer = forms.CharField(
        label=_("当场答复（可选，仅咨询、建议、表扬）"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        help_text=_("填写后诉求将直接办结；不填则进入派单。"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX_LENGTH}),
    )
    contact_consent = forms.BooleanField(
        label=_("来电人同意用此电话办理和回访"), required=False, initial=True
    )
    # "关于此前诉求（催办/补充）": the id of the caller's earlier open appeal (blank: a new appeal)
    about = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    chase_kind = forms.ChoiceField(
        label=_("关于此前诉求"), required=False, choices=[("chase", _("催办")), ("supplement", _("补充"))]
    )

    def __init__(self, *args: Any, areas: Choices = (), **kwargs: Any) -> None:
        """`areas`: streets, communities and grids, each labelled with its code first."""
        super().__init__(*args, **kwargs)
        set_choices(
            self, "kind", [(value, f"{i} {label}") for i, (value, label) in enumerate(Kind.choices, 1)]
        )
        set_choices(self, "area", [("", _("— 未知 —")), *areas])


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("受理编号、电话或内容中的词")}),
    )
    category = forms.ChoiceField(label=_("分类"), required=False)
    area = forms.ChoiceField(label=_("区域"), required=False)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部")), *Kind.choices])
    urgency = forms.ChoiceField(
        label=_("紧急程度"), required=False, choices=[("", _("全部")), *Urgency.choices]
    )
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[("", _("全部")), *Channel.choices])
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, categories: Choices = (), areas: Choices = (), **kwargs: Any) -> None:
        """`categories` (active, indented) and `areas` (all but grids)."""
        super().__init__(*args, **kwargs)
        set_choices(self, "category", [("", _("全部")), *categories])
        set_choices(self, "area", [("", _("全部")), *areas])
