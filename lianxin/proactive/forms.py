"""The notice form (通知公告 / 计划施工); every field bounded like the service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import Area, Category

from .models import NoticeKind
from .notices import BODY_MAX, REASON_MAX, TITLE_MAX


class AreaChoiceField(forms.ModelChoiceField[Area]):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name}（{obj.get_level_display()}）"


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=NoticeKind.choices)
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX)
    area = AreaChoiceField(label=_("影响区域"), queryset=Area.objects.none())
    category = forms.ModelChoiceField(
        label=_("类别（可不选）"),
        queryset=Category.objects.order_by("path"),
        required=False,
        to_field_name="code",
    )
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    body = forms.CharField(
        label=_("内容（影响范围、时间、注意事项、咨询电话）"), max_length=BODY_MAX, widget=forms.Textarea
    )

    def __init__(self, *args, areas=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=REASON_MAX)
