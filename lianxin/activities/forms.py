"""The web forms of community life; every field bounded like the API."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import Area

from .models import MAX_CAPACITY, NOTE_MAX, TEXT_MAX, TITLE_MAX, ActivityKind, Organization, OrgKind


class AreaChoiceField(forms.ModelChoiceField[Area]):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name}（{obj.get_level_display()}）"


def _areas() -> QuerySet[Area]:
    return Area.objects.order_by("path")


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX)
    place = forms.CharField(label=_("地点"), max_length=200)
    area = AreaChoiceField(label=_("面向区域"), queryset=Area.objects.none())
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=MAX_CAPACITY)
    organization = forms.ModelChoiceField(
        label=_("合办组织"), queryset=Organization.objects.filter(active=True), required=False
    )
    description = forms.CharField(label=_("内容"), max_length=TEXT_MAX, required=False, widget=forms.Textarea)
    visit_notes = forms.CharField(
        label=_("走访记录（不公开：走访了谁、送了什么）"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea,
    )

    def __init__(self, *args, areas=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else _areas()  # type: ignore[attr-defined]


class WishRecordForm(forms.Form):
    title = forms.CharField(label=_("心愿"), max_length=TITLE_MAX)
    public_text = forms.CharField(label=_("公开描述（不写姓名、门牌号）"), max_length=300)
    area = AreaChoiceField(label=_("所在区域"), queryset=Area.objects.none())
    beneficiary_name = forms.CharField(label=_("心愿人姓名"), max_length=50)
    beneficiary_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    detail = forms.CharField(
        label=_("详细情况（仅工作人员和认领人可见）"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea,
    )
    category = forms.CharField(label=_("类别"), max_length=40, required=False)
    anonymous = forms.BooleanField(label=_("公开时匿名"), required=False, initial=True)

    def __init__(self, *args, areas=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else _areas()  # type: ignore[attr-defined]


class WishRaiseForm(forms.Form):
    title = forms.CharField(label=_("我的心愿"), max_length=TITLE_MAX)
    detail = forms.CharField(label=_("具体情况"), max_length=TEXT_MAX, widget=forms.Textarea)
    area = AreaChoiceField(label=_("我住在"), queryset=Area.objects.none())
    category = forms.CharField(label=_("类别"), max_length=40, required=False)
    anonymous = forms.BooleanField(label=_("公开时匿名"), required=False, initial=True)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas()  # type: ignore[attr-defined]


class WishActForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("open", "claim", "release", "deliver", "confirm", "cancel")]
    )
    text = forms.CharField(max_length=NOTE_MAX, required=False)
    organization = forms.ModelChoiceField(queryset=Organization.objects.filter(active=True), required=False)


class ActivityActForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (a, a)
            for a in (
                "publish",
                "cancel",
                "finish",
                "check_in",
                "check_out",
                "confirm_hours",
                "reject_hours",
                "capacity",
            )
        ]
    )
    reason = forms.CharField(max_length=NOTE_MAX, required=False)
    signup = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    entry = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    minutes = forms.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)
    capacity = forms.IntegerField(required=False, min_value=1, max_value=MAX_CAPACITY)


class ProfileForm(forms.Form):
    skills = forms.CharField(
        label=_("技能（用逗号分隔，如：维修，陪诊，理发）"), max_length=400, required=False
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("愿意服务的区域"), queryset=Area.objects.none(), required=False
    )
    availability = forms.CharField(label=_("可服务时间"), max_length=200, required=False)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = _areas()  # type: ignore[attr-defined]

    def skill_list(self) -> list[str]:
        raw = self.cleaned_data.get("skills", "").replace("，", ",").replace("、", ",")
        return [s.strip() for s in raw.split(",") if s.strip()]


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=TITLE_MAX)
    kind = forms.ChoiceField(label=_("类型"), choices=OrgKind.choices)
    areas = forms.ModelMultipleChoiceField(label=_("服务区域"), queryset=Area.objects.none())
    registration_number = forms.CharField(
        label=_("登记证号 / 统一社会信用代码"), max_length=40, required=False
    )
    categories = forms.CharField(label=_("服务类别（用逗号分隔）"), max_length=400, required=False)
    description = forms.CharField(label=_("简介"), max_length=TEXT_MAX, required=False, widget=forms.Textarea)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args, areas=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = areas if areas is not None else _areas()  # type: ignore[attr-defined]

    def category_list(self) -> list[str]:
        raw = self.cleaned_data.get("categories", "").replace("，", ",").replace("、", ",")
        return [c.strip() for c in raw.split(",") if c.strip()]


class MemberForm(forms.Form):
    username = forms.CharField(label=_("成员的用户名"), max_length=150)
    manager = forms.BooleanField(label=_("负责人"), required=False)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=TITLE_MAX)
    started_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ended_on = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("项目内容"), max_length=TEXT_MAX, required=False, widget=forms.Textarea
    )
