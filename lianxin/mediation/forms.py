"""The mediation pages' forms: parsing only (the rules are in `intake`, `services` and `policy`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import Area, AreaLevel

from .deadlines import MAX_EXTENSION_DAYS
from .models import (
    NOTE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DisputeType,
    ReferralTarget,
    RiskReason,
)

DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def community_choices() -> list[tuple[str, str]]:
    rows = Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("path").values_list("code", "name")
    return [("", "—")] + [(code, name) for code, name in rows]


class CaseRequestForm(forms.Form):
    title = forms.CharField(label=_("纠纷概要"), max_length=TITLE_MAX_LENGTH)
    dispute_type = forms.ChoiceField(label=_("纠纷类型"), choices=DisputeType.choices)
    area = forms.ChoiceField(label=_("所在社区"))
    place = forms.CharField(label=_("纠纷地点"), max_length=200, required=False)
    description = forms.CharField(
        label=_("纠纷情况"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=50)
    applicant_phone = forms.CharField(label=_("申请人电话"), max_length=20)
    respondent_name = forms.CharField(label=_("对方姓名（或单位名称）"), max_length=50)
    respondent_phone = forms.CharField(label=_("对方电话（如知道）"), max_length=20, required=False)
    consent = forms.BooleanField(
        label=_("我自愿申请人民调解，同意调解员联系我和对方当事人。"),
        required=True,
        help_text=_("人民调解遵循自愿、平等原则，不收取任何费用。"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["area"].choices = community_choices()  # type: ignore[attr-defined]


class VisitCaseForm(CaseRequestForm):
    """A cadre records a dispute found on a visit: consent is recorded per party later."""

    consent = forms.BooleanField(label=_("申请人已同意调解"), required=False)
    respondent_consent = forms.BooleanField(label=_("对方已同意调解"), required=False)
    applicant_id_number = forms.CharField(label=_("申请人身份证号"), max_length=18, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    mediator = forms.TypedChoiceField(label=_("调解员"), coerce=int)
    reason = forms.CharField(label=_("改派理由"), max_length=NOTE_MAX_LENGTH, required=False)

    def __init__(
        self, *args: object, mediators: list[tuple[int, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["mediator"].choices = mediators or []  # type: ignore[attr-defined]


class PartyForm(forms.Form):
    party = forms.TypedChoiceField(label=_("当事人"), coerce=int)

    def __init__(self, *args: object, parties: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["party"].choices = parties or []  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(label=_("调解时间"), widget=DT_WIDGET, initial=timezone.now)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    attendees = forms.CharField(label=_("参加人员"), max_length=500)
    notes = forms.CharField(
        label=_("调解记录"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=MAX_EXTENSION_DAYS)
    note = forms.CharField(label=_("当事人同意延期的情况"), max_length=NOTE_MAX_LENGTH)


class RiskForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=_("风险原因"), choices=RiskReason.choices, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("说明"), max_length=NOTE_MAX_LENGTH, required=False)


class AgreementForm(forms.Form):
    text = forms.CharField(
        label=_("协议内容"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )


class ReferForm(forms.Form):
    target = forms.ChoiceField(label=_("引导去向"), choices=ReferralTarget.choices)
    note = forms.CharField(
        label=_("调解不成的情况和引导说明"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowUpForm(forms.Form):
    visited_at = forms.DateTimeField(label=_("回访时间"), widget=DT_WIDGET, initial=timezone.now)
    kept = forms.TypedChoiceField(
        label=_("协议履行情况"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("已履行")), ("no", _("未履行"))],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("回访情况"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class FromAppealForm(forms.Form):
    dispute_type = forms.ChoiceField(label=_("纠纷类型"), choices=DisputeType.choices)
    respondent_name = forms.CharField(label=_("对方姓名（或单位名称）"), max_length=50)
    respondent_phone = forms.CharField(label=_("对方电话（如知道）"), max_length=20, required=False)
    note = forms.CharField(
        label=_("补充说明"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
