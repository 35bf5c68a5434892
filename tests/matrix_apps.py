"""Access-matrix entries (tests/test_url_matrix.py) for the newer apps: consultations, activities,
mediation and the learning centre, pages and `/api/v1/...` routes. The objects are built in
tests/matrix_world_apps.py; the expectations come from each app's `policy.py`:

- consultations: the organiser is handler_city (unit_city) or an admin; the consultation is open to
  anyone signed in and in its collecting phase, so every signed-in actor may take part.
- activities: the activity, the wish and the organization are in grid G1, whose organisers are
  grid_a and admins (leader_b organises street B: an organiser, but not of these).
- mediation: the case was requested by `resident` in community C1; intake (operator, the unscoped
  dispatcher, admin) and the district supervisor may act on it; leader_b's street is B.
- learning: the enrolment is handler_city's; supervisors and admins manage, leaders oversee.
"""

from __future__ import annotations

import datetime as dt

from tests.matrix_cases import (
    EVERYONE,
    NOBODY,
    SIGNED_IN,
    STAFF,
    Build,
    Case,
    aget,
    apost,
    const,
    get,
    post,
)

CONSULT_ORG = frozenset({"handler_city", "admin"})
UNIT_STAFF = frozenset({"handler_city", "handler_env", "admin"})  # may create for their unit
G1_ORG = frozenset({"grid_a", "admin"})
ORGANISERS = frozenset({"grid_a", "leader_b", "admin"})
MED_STAFF = frozenset({"operator", "dispatcher", "supervisor", "leader_b", "admin"})
INTAKE = frozenset({"operator", "dispatcher", "supervisor", "admin"})
RECORDERS = INTAKE | {"grid_a"}  # mediation.policy.may_record_dispute: web form and API alike; not leaders
CASE_SEE = INTAKE | {"resident"}
FIGURES = frozenset({"dispatcher", "supervisor", "leader_b", "admin"})  # aggregate figures: not the hotline
SUPERVISING = frozenset({"supervisor", "admin"})  # the mediator's supervisors (district)
MANAGERS = frozenset({"supervisor", "admin"})
LEARNER = frozenset({"handler_city"})


def cons(suffix: str = "") -> Build:
    return lambda w: f"/consultations/{w.consult.slug}/{suffix}"


def api_cons(suffix: str = "") -> Build:
    return lambda w: f"/api/v1/consultations/{w.consult.slug}{suffix}"


def staff_cons(suffix: str = "") -> Build:
    return lambda w: f"/consultations/staff/{w.consult.slug}/{suffix}"


def activity(suffix: str = "") -> Build:
    return lambda w: f"/activities/{w.activity.pk}/{suffix}"


def api_activity(suffix: str = "") -> Build:
    return lambda w: f"/api/v1/activities/{w.activity.pk}{suffix}"


def case_path(suffix: str = "") -> Build:
    return lambda w: f"/mediation/staff/{w.case.pk}/{suffix}"


def api_case(suffix: str = "") -> Build:
    return lambda w: f"/api/v1/mediation/cases/{w.case.pk}{suffix}"


def working(suffix: str) -> Build:
    """The in-mediation case, whose mediator is not an actor: only intake and supervisors act on it."""
    return lambda w: f"/api/v1/mediation/cases/{w.case_working.pk}{suffix}"


def enrolment(suffix: str = "") -> Build:
    return lambda w: f"/learning/enrolments/{w.enrolment.pk}/{suffix}"


COMMENT = {"text": "建议外来车辆前半小时免费。"}

CONSULTATIONS: dict[str, tuple[Case, ...]] = {
    "consultations:list": (get(const("/consultations/"), EVERYONE),),
    "consultations:profile": (get(const("/consultations/me/"), SIGNED_IN),),
    "consultations:detail": (
        get(cons(), EVERYONE),
        # a draft: only its organisers, 404 for everyone else
        get(lambda w: f"/consultations/{w.consult_draft.slug}/", CONSULT_ORG),
    ),
    "consultations:comment": (
        post(cons("comment/"), SIGNED_IN, const(COMMENT), bad_body=const({"text": ""})),
    ),
    "consultations:rate": (
        post(cons("paragraphs/1/rate/"), SIGNED_IN, const({"value": "1"}), bad_body=const({"value": "x"})),
    ),
    "consultations:proposal_add": (
        post(
            cons("proposals/"),
            SIGNED_IN,
            const({"title": "增设充电桩", "text": "在车棚旁增设电动车充电桩。"}),
            bad_body=const({}),
        ),
    ),
    "consultations:proposal_support": (
        post(lambda w: f"/consultations/{w.consult.slug}/proposals/{w.proposal.pk}/support/", SIGNED_IN),
    ),
    "consultations:budget_vote": (
        post(cons("budget/"), SIGNED_IN, const({"projects": ["1"]}), bad_body=const({"projects": ["x"]})),
    ),
    "consultations:hearing_register": (
        post(lambda w: f"/consultations/{w.consult.slug}/hearings/{w.hearing.pk}/register/", SIGNED_IN),
    ),
    "consultations:report": (
        post(
            cons("report/"),
            SIGNED_IN,
            lambda w: {"kind": "proposal", "object_id": str(w.proposal.pk), "reason": "广告"},
            bad_body=const({"kind": "x"}),
        ),
    ),
    "consultations:survey": (get(cons("survey/"), EVERYONE),),
    "consultations:statements": (get(cons("statements/"), EVERYONE),),
    "consultations:results": (get(cons("results/"), EVERYONE),),
    "consultations:decision": (get(cons("decision/"), EVERYONE),),
    # the staff side: any staff member sees the list; the organiser manages the consultation
    "consultations:staff_list": (get(const("/consultations/staff/"), STAFF),),
    "consultations:staff_new": (get(const("/consultations/staff/new/"), UNIT_STAFF),),  # staff of a unit
    "consultations:staff_moderation": (get(const("/consultations/staff/moderation/"), STAFF),),
    "consultations:staff_edit": (get(staff_cons(), CONSULT_ORG),),
    "consultations:staff_feedback": (get(staff_cons("feedback/"), CONSULT_ORG),),
    "consultations:staff_hearings": (get(staff_cons("hearings/"), CONSULT_ORG),),
    "consultations:staff_analysis": (get(staff_cons("analysis/"), CONSULT_ORG),),
    "consultations:staff_export": (get(staff_cons("export/xlsx/"), CONSULT_ORG),),
    "consultations:staff_transition": (post(staff_cons("close/"), CONSULT_ORG),),
    "consultations:attachment": (
        get(lambda w: f"/consultations/{w.consult.slug}/attachments/{w.consult_file.pk}/", EVERYONE),
        get(lambda w: f"/consultations/{w.consult_draft.slug}/attachments/{w.draft_file.pk}/", CONSULT_ORG),
    ),
    "consultations:staff_attachments": (
        post(staff_cons("attachments/"), CONSULT_ORG, lambda w: {"remove": str(w.consult_file_spare.pk)}),
    ),
    "consultations:staff_summary": (
        get(staff_cons("summary/"), CONSULT_ORG),
        post(staff_cons("summary/"), CONSULT_ORG, const({"step": "draft"})),
    ),
    # whoever sees the open task (its deciders and its owner unit) and may organise for a unit
    # overseers who organise for a unit (admin); the label is looked up again, so an unknown one is 404
    "consultations:staff_from_hotspot": (
        post(const("/consultations/staff/from-hotspot/"), NOBODY, const({"label": "没有这个热点"})),
    ),
    "consultations:staff_from_task": (
        post(
            lambda w: f"/consultations/staff/from-task/{w.task_open.pk}/",
            frozenset({"handler_city", "admin"}),
        ),
    ),
    # --- API
    "api:list_consultations": (aget(const("/api/v1/consultations"), EVERYONE),),
    "api:create": (
        apost(
            const("/api/v1/consultations"),
            CONSULT_ORG,  # only for their own unit
            const({"unit": "U-CG", "title": "幸福社区充电桩建设方案", "summary": "拟增设充电桩。"}),
            get_405=False,
        ),
    ),
    "api:detail": (
        aget(api_cons(), EVERYONE),
        aget(lambda w: f"/api/v1/consultations/{w.consult_draft.slug}", CONSULT_ORG),
    ),
    "api:publish": (
        apost(lambda w: f"/api/v1/consultations/{w.consult_draft.slug}/publish", CONSULT_ORG, const({})),
    ),
    "api:close": (apost(api_cons("/close"), CONSULT_ORG, const({})),),
    "api:archive": (apost(const("/api/v1/consultations/no-such-one/archive"), NOBODY, const({})),),
    "api:comments": (aget(api_cons("/comments"), EVERYONE),),
    "api:comment": (apost(api_cons("/comments"), SIGNED_IN, const(COMMENT), get_405=False),),
    "api:rate": (apost(api_cons("/paragraphs/1/rating"), SIGNED_IN, const({"value": 1})),),
    "api:survey": (
        apost(
            api_cons("/survey"),
            SIGNED_IN,
            const({"answers": [{"question": 1, "choices": [1]}, {"question": 3, "scale": 4}]}),
        ),
    ),
    "api:next_statement": (aget(api_cons("/statements/next"), EVERYONE),),  # reading is public
    "api:statement": (apost(api_cons("/statements"), SIGNED_IN, const({"text": "车位应当优先给老人。"})),),
    "api:vote": (
        apost(
            lambda w: f"/api/v1/consultations/{w.consult.slug}/statements/{w.statement.pk}/vote",
            SIGNED_IN,
            const({"value": 1}),
        ),
    ),
    "api:proposals": (aget(api_cons("/proposals"), EVERYONE),),
    "api:proposal": (
        apost(
            api_cons("/proposals"),
            SIGNED_IN,
            const({"title": "增设充电桩", "text": "在车棚旁增设充电桩。"}),
            get_405=False,
        ),
    ),
    "api:support": (
        apost(
            lambda w: f"/api/v1/consultations/{w.consult.slug}/proposals/{w.proposal.pk}/support",
            SIGNED_IN,
            const({}),
        ),
    ),
    "api:report": (
        apost(
            api_cons("/reports"),
            SIGNED_IN,
            lambda w: {"kind": "proposal", "object_id": w.proposal.pk, "reason": "广告"},
        ),
    ),
    "api:moderate": (
        apost(
            api_cons("/moderation"),
            CONSULT_ORG,
            lambda w: {
                "kind": "proposal",
                "object_id": w.proposal.pk,
                "visibility": "hidden",
                "reason": "广告",
            },
        ),
    ),
    "api:feedback": (
        apost(
            const("/api/v1/consultations/no-such-one/feedback"),
            NOBODY,
            const({"kind": "comment", "object_id": 1, "decision": "adopted"}),
        ),
    ),
    "api:results": (aget(api_cons("/results"), EVERYONE),),
    "api:decision": (aget(api_cons("/decision"), EVERYONE),),
    "api:decide": (
        apost(
            const("/api/v1/consultations/no-such-one/decision"),
            NOBODY,
            const({"summary": "采纳"}),
            get_405=False,
        ),
    ),
    "api:budget": (aget(api_cons("/budget"), EVERYONE),),
    "api:budget_vote": (apost(api_cons("/budget"), SIGNED_IN, const({"projects": [1]}), get_405=False),),
    "api:consultation_attachments": (aget(api_cons("/attachments"), EVERYONE),),
    "api:consultation_summary": (aget(api_cons("/summary"), EVERYONE),),
    "api:consultation_origin": (aget(api_cons("/origin"), EVERYONE),),
    "api:consultation_hearings": (aget(api_cons("/hearings"), EVERYONE),),
    "api:hearing_register": (
        apost(
            lambda w: f"/api/v1/consultations/{w.consult.slug}/hearings/{w.hearing.pk}/registration",
            SIGNED_IN,
            const({}),
        ),
    ),
    "api:hearing_cancel": (
        apost(
            lambda w: f"/api/v1/consultations/{w.consult.slug}/hearings/{w.hearing.pk}/registration:cancel",
            NOBODY,
            const({}),
        ),
    ),  # nobody has registered: 404 for all (see tests/consultations)
    "api:consultation_from_task": (
        apost(
            lambda w: f"/api/v1/consultations:from-task/{w.task_open.pk}",
            frozenset({"handler_city", "admin"}),
            const({}),
        ),
    ),
}

ACTIVITIES: dict[str, tuple[Case, ...]] = {
    "activities:calendar": (get(const("/activities/"), EVERYONE),),
    "activities:detail": (get(activity(), EVERYONE),),
    "activities:signup": (post(lambda w: f"/activities/{w.activity2.pk}/signup/", SIGNED_IN),),
    "activities:signup_cancel": (post(activity("signup/cancel/"), frozenset({"resident"})),),
    "activities:check_in": (get(activity("check-in/"), SIGNED_IN),),
    # no actor has proven a phone in its session: everyone is refused (403; the flow: tests/activities)
    "activities:signup_phone": (
        post(
            lambda w: f"/activities/{w.activity2.pk}/signup/phone/",
            NOBODY,
            const({"step": "signup", "name": "王阿姨"}),
        ),
    ),
    "activities:phone_signup": (
        get(lambda w: f"/activities/signups/{w.phone_signup.token}/", EVERYONE),
        get(const("/activities/signups/no-such-token/"), NOBODY),
    ),
    "activities:photo": (get(lambda w: f"/activities/{w.activity.pk}/photos/999999/", NOBODY),),
    "activities:photo_upload": (post(const("/activities/999999/manage/photos/"), NOBODY, const({})),),
    "activities:mine": (get(const("/activities/my/"), SIGNED_IN),),
    "activities:certificate": (get(const("/activities/my/certificate.pdf"), SIGNED_IN),),
    "activities:verify": (get(const("/activities/hours/verify/"), EVERYONE),),
    "activities:wishes": (get(const("/activities/wishes/"), EVERYONE),),
    "activities:wish_raise": (get(const("/activities/wishes/raise/"), SIGNED_IN),),
    "activities:wish": (get(lambda w: f"/activities/wishes/{w.wish.pk}/", EVERYONE),),
    "activities:wish_act": (
        post(
            lambda w: f"/activities/wishes/{w.wish.pk}/act/",
            G1_ORG,
            const({"action": "cancel", "text": "已由家属解决"}),
        ),
    ),  # anyone may claim
    "activities:organizations": (get(const("/activities/organizations/"), EVERYONE),),
    "activities:organization": (get(lambda w: f"/activities/organizations/{w.organization.pk}/", EVERYONE),),
    "activities:staff": (get(const("/activities/staff/"), ORGANISERS),),
    "activities:new": (get(const("/activities/staff/new/"), ORGANISERS),),
    "activities:wish_new": (get(const("/activities/staff/wishes/new/"), ORGANISERS),),
    "activities:organization_new": (get(const("/activities/staff/organizations/new/"), ORGANISERS),),
    "activities:member_add": (
        post(
            lambda w: f"/activities/organizations/{w.organization.pk}/members/",
            G1_ORG,
            const({"username": "resident"}),
            bad_body=const({"username": "nobody-here"}),
        ),
    ),
    "activities:project_add": (
        post(
            lambda w: f"/activities/organizations/{w.organization.pk}/projects/",
            G1_ORG,
            const({"title": "关爱独居老人", "started_on": "2026-11-01"}),
            bad_body=const({"title": ""}),
        ),
    ),
    "activities:manage": (get(activity("manage/"), G1_ORG),),
    "activities:act": (
        post(
            activity("manage/act/"),
            G1_ORG,
            const({"action": "capacity", "capacity": "20"}),
            bad_body=const({"action": "capacity", "capacity": "x"}),
        ),
    ),
    # --- API
    "api:list_activities": (aget(const("/api/v1/activities"), EVERYONE),),
    "api:create_activity": (
        apost(
            const("/api/v1/activities"),
            G1_ORG,
            lambda w: {
                "kind": "volunteer",
                "title": "河道清洁",
                "place": "和平河畔",
                "area": "G1",
                "starts_at": "2027-01-10T09:00:00+08:00",
                "ends_at": "2027-01-10T11:00:00+08:00",
                "capacity": 10,
            },
            get_405=False,
        ),
    ),
    "api:get_activity": (aget(api_activity(), EVERYONE),),
    "api:publish": (
        apost(const("/api/v1/activities/999999/publish"), NOBODY, const({})),
    ),  # no such activity
    "api:cancel": (apost(api_activity("/cancel"), G1_ORG, const({"reason": "天气原因"})),),
    "api:capacity": (apost(api_activity("/capacity"), G1_ORG, const({"capacity": 20})),),
    "api:finish": (
        apost(const("/api/v1/activities/999999/finish"), NOBODY, const({})),
    ),  # starts in two days
    "api:signup": (apost(lambda w: f"/api/v1/activities/{w.activity2.pk}/signup", SIGNED_IN, const({})),),
    "api:signup_cancel": (apost(api_activity("/signup/cancel"), frozenset({"resident"}), const({})),),
    "api:check_in": (
        apost(const("/api/v1/activities/999999/check-in"), NOBODY, const({"code": "x"})),
    ),  # opens at the start
    "api:check_out": (apost(const("/api/v1/activities/999999/check-out"), NOBODY, const({"code": "x"})),),
    "api:roster": (aget(api_activity("/roster"), G1_ORG),),
    "api:roster_check_in": (
        apost(lambda w: f"/api/v1/activities/{w.activity.pk}/roster/999999/check-in", NOBODY, const({})),
    ),
    "api:roster_check_out": (
        apost(lambda w: f"/api/v1/activities/{w.activity.pk}/roster/999999/check-out", NOBODY, const({})),
    ),
    "api:my_hours": (aget(const("/api/v1/activities/me/hours"), SIGNED_IN),),
    "api:pending_hours": (aget(api_activity("/hours"), G1_ORG),),
    "api:confirm_hours": (apost(const("/api/v1/activities/hours/999999/confirm"), NOBODY, const({})),),
    "api:verify_hours": (aget(const("/api/v1/activities/hours/verify/NOSUCHCODE"), NOBODY),),
    "api:list_wishes": (aget(const("/api/v1/activities/wishes"), EVERYONE),),
    "api:record_wish": (
        apost(
            const("/api/v1/activities/wishes"),
            G1_ORG,
            const(
                {
                    "title": "一台收音机",
                    "public_text": "独居老人希望有一台收音机",
                    "area": "G1",
                    "beneficiary_name": "赵大爷",
                }
            ),
            get_405=False,
        ),
    ),
    "api:raise_wish": (
        apost(
            const("/api/v1/activities/wishes/raise"),
            SIGNED_IN,
            const({"title": "一副老花镜", "detail": "看报纸看不清", "area": "G1"}),
        ),
    ),
    "api:get_wish": (aget(lambda w: f"/api/v1/activities/wishes/{w.wish.pk}", EVERYONE),),
    "api:suggestions": (aget(lambda w: f"/api/v1/activities/wishes/{w.wish.pk}/suggestions", G1_ORG),),
    "api:act_on_wish": (
        apost(
            lambda w: f"/api/v1/activities/wishes/{w.wish.pk}/cancel", G1_ORG, const({"text": "已由家属解决"})
        ),
    ),
    "api:list_organizations": (aget(const("/api/v1/activities/organizations"), EVERYONE),),
    "api:register_organization": (
        apost(
            const("/api/v1/activities/organizations"),
            G1_ORG,
            const({"name": "幸福邻里互助会", "kind": "social_org", "areas": ["G1"]}),
            get_405=False,
        ),
    ),
    "api:get_organization": (
        aget(lambda w: f"/api/v1/activities/organizations/{w.organization.pk}", EVERYONE),
    ),
}

PARTIES = {
    "title": "装修噪音纠纷",
    "description": "邻居装修周末早上七点开始施工，多次沟通未果。",
    "dispute_type": "neighbour",
    "area": "G1",
    "parties": [
        {"role": "applicant", "name": "李建国", "phone": "13811112222"},
        {"role": "respondent", "name": "王秀英"},
    ],
}

MEDIATION: dict[str, tuple[Case, ...]] = {
    "mediation:home": (get(const("/mediation/"), EVERYONE),),
    "mediation:request": (get(const("/mediation/new/"), SIGNED_IN),),
    "mediation:mine_case": (get(lambda w: f"/mediation/mine/{w.case.pk}/", frozenset({"resident"})),),
    "mediation:mine_withdraw": (
        post(
            lambda w: f"/mediation/mine/{w.case.pk}/withdraw/",
            frozenset({"resident"}),
            const({"reason": "双方已自行和解"}),
        ),
    ),
    "mediation:staff_home": (get(const("/mediation/staff/"), MED_STAFF),),
    "mediation:staff_new": (get(const("/mediation/staff/new/"), RECORDERS),),
    "mediation:staff_figures": (get(const("/mediation/staff/figures/"), FIGURES),),
    "mediation:staff_case": (get(case_path(), INTAKE),),
    "mediation:staff_act": (
        post(case_path("act/accept/"), INTAKE, const({"note": ""})),
        post(case_path("act/no-such-action/"), NOBODY, const({})),
    ),
    "mediation:staff_to_appeal": (
        post(
            case_path("to-appeal/"),
            INTAKE,
            const({"to_appeal-reason": "涉及违章建筑，转有关部门"}),
            bad_body=const({"to_appeal-reason": ""}),
        ),
    ),
    "mediation:staff_agreement": (get(const("/mediation/staff/999999/agreement.pdf"), NOBODY),),
    # only the handler who accepted the appeal turns it into a case (intake.case_open_from_appeal)
    "mediation:from_appeal": (
        get(lambda w: f"/mediation/from-appeal/{w.city.tracking_number}/", frozenset({"handler_city"})),
        post(
            lambda w: f"/mediation/from-appeal/{w.city.tracking_number}/",
            frozenset({"handler_city"}),
            const({"dispute_type": "neighbour", "respondent_name": "王秀英"}),
            bad_body=const({"dispute_type": "bogus"}),
        ),
    ),
    # --- API
    "api:create_case": (
        apost(
            const("/api/v1/mediation/cases"),
            SIGNED_IN - {"leader_b"},
            const(PARTIES),  # leaders oversee
            get_405=False,
        ),
    ),
    "api:list_cases": (aget(const("/api/v1/mediation/cases"), SIGNED_IN),),  # each sees only theirs
    "api:from_appeal": (
        apost(
            lambda w: f"/api/v1/mediation/from-appeal/{w.city.tracking_number}",
            frozenset({"handler_city"}),
            const({"dispute_type": "neighbour", "respondents": [{"role": "respondent", "name": "王秀英"}]}),
        ),
    ),
    "api:get_case": (aget(api_case(), CASE_SEE),),
    "api:case_events": (aget(api_case("/events"), CASE_SEE),),
    "api:agreement": (aget(const("/api/v1/mediation/cases/999999/agreement.pdf"), NOBODY),),
    "api:figures": (aget(const("/api/v1/mediation/figures"), FIGURES),),
    "api:accept": (apost(api_case("/accept"), INTAKE, const({"note": ""})),),
    "api:decline": (apost(api_case("/decline"), INTAKE, const({"reason": "不属于人民调解范围"})),),
    "api:assign": (
        apost(const("/api/v1/mediation/cases/999999/assign"), NOBODY, const({"mediator": 999999})),
    ),  # requested: accept first
    "api:reassign": (
        apost(
            working("/reassign"), INTAKE, lambda w: {"mediator": w.mediator_2.pk, "reason": "当事人申请回避"}
        ),
    ),
    "api:consent": (apost(const("/api/v1/mediation/cases/999999/consent"), NOBODY, const({"party": 1})),),
    "api:session": (
        apost(
            working("/sessions"),
            NOBODY,
            const(  # the mediator only
                {"held_at": "2026-12-01T10:00:00+08:00", "attendees": "双方", "notes": "调解一次"}
            ),
        ),
    ),
    "api:extend": (apost(working("/extend"), SUPERVISING, const({"days": 10, "note": "双方同意"})),),
    "api:risk": (
        apost(api_case("/risk"), INTAKE, lambda w: {"reasons": ["threats"], "note": "双方情绪激动"}),
    ),
    "api:record_agreement": (
        apost(working("/agreement"), NOBODY, const({"text": "双方达成协议。"})),
    ),  # the mediator
    "api:sign": (apost(const("/api/v1/mediation/cases/999999/sign"), NOBODY, const({"party": 1})),),
    "api:refer": (apost(working("/refer"), SUPERVISING, const({"target": "court", "note": "调解不成"})),),
    "api:follow_up": (
        apost(
            const("/api/v1/mediation/cases/999999/follow-ups"),
            NOBODY,
            const({"visited_at": "2026-12-01T10:00:00+08:00", "kept": True, "notes": "已履行"}),
        ),
    ),
    "api:withdraw": (
        apost(
            api_case("/withdraw"),
            frozenset({"resident", "operator", "dispatcher", "admin"}),
            const({"reason": "双方已自行和解"}),
        ),
    ),
    "api:to_appeal": (apost(api_case("/to-appeal"), INTAKE, const({"reason": "涉及违章建筑，转有关部门"})),),
}
MEDIATION["api:close"] = (
    apost(const("/api/v1/mediation/cases/999999/close"), NOBODY, const({})),
)  # requested: not yet

LEARNING: dict[str, tuple[Case, ...]] = {
    "learning:home": (get(const("/learning/"), STAFF),),
    "learning:enrolment": (get(enrolment(), LEARNER | {"supervisor", "leader_b", "admin"}),),
    "learning:lesson_done": (
        post(lambda w: f"/learning/enrolments/{w.enrolment.pk}/lessons/{w.lesson.pk}/done/", LEARNER),
    ),
    "learning:quiz": (
        post(
            enrolment("quiz/"),
            LEARNER,
            lambda w: {f"q{q.pk}": str(q.answer) for q in w.course.questions.all()},
        ),
    ),
    "learning:certificate": (get(const("/learning/certificates/NOSUCHCODE/"), NOBODY),),
    "learning:manage": (
        get(const("/learning/manage/"), MANAGERS | {"leader_b"}),
    ),  # leaders read, not assign
    "learning:courses": (
        get(const("/learning/manage/courses/"), MANAGERS),
        post(
            const("/learning/manage/courses/"),
            MANAGERS,
            const(
                {
                    "code": "C-MX-01",
                    "title": "矩阵课程",
                    "hours": "1",
                    "pass_mark": "80",
                    "days_to_complete": "30",
                }
            ),
            bad_body=const({"code": ""}),
        ),
    ),
    "learning:course_edit": (get(const("/learning/manage/courses/C-MED-01/"), MANAGERS),),
    "learning:course_publish": (post(const("/learning/manage/courses/C-MED-01/publish/"), MANAGERS),),
    "learning:course_add": (
        post(
            const("/learning/manage/courses/C-MED-01/lesson/"),
            MANAGERS,
            const(
                {
                    "lesson-title": "补充课时",
                    "lesson-material_kind": "article",
                    "lesson-body": "正文",
                    "lesson-minutes": "10",
                }
            ),
            bad_body=const({"lesson-title": ""}),
        ),
    ),
    # the world's enrolment is not passed yet: its holder and overseers get the clear 409, others 404
    "learning:certificate_pdf": (
        get(
            enrolment("certificate.pdf"),
            LEARNER | {"supervisor", "leader_b", "admin"},
            ok_status=frozenset({409}),
        ),
    ),
    # --- API
    "api:courses": (aget(const("/api/v1/learning/courses"), STAFF),),
    "api:lesson_done": (
        apost(
            lambda w: f"/api/v1/learning/enrolments/{w.enrolment.pk}/lessons/{w.lesson.pk}/done",
            LEARNER,
            const({}),
        ),
    ),
    "api:quiz": (
        apost(
            lambda w: f"/api/v1/learning/enrolments/{w.enrolment.pk}/quiz",
            LEARNER,
            const({"answers": [1, 1, 0]}),
        ),
    ),
}
LEARNING_SHARED: dict[str, tuple[Case, ...]] = {
    "api:me": (aget(const("/api/v1/learning/me"), STAFF),),
    "api:assign": (
        apost(
            const("/api/v1/learning/assignments"),
            MANAGERS,
            lambda w: {"user": w.user("handler_env").pk, "course": "C-MED-01", "reason": "满意度低于目标"},
        ),
    ),
}

# proactive (lianxin/proactive/policy.py): the district supervisor and admins decide; unit_city owns
# the open task; the unsubscribe link needs only its token.
DECIDE = frozenset({"supervisor", "admin"})
# notices: area roles over the area, handlers of a unit whose area contains it (both units: the district)
NOTICE_G1 = frozenset({"grid_a", "supervisor", "handler_city", "handler_env", "admin"})
NOTICE_PUBLISHERS = NOTICE_G1 | {"leader_b"}
PROACTIVE: dict[str, tuple[Case, ...]] = {
    "proactive:tasks": (get(const("/proactive/"), SIGNED_IN),),  # each sees only theirs
    "proactive:proposals": (get(const("/proactive/proposals/"), DECIDE),),
    "proactive:task": (
        get(lambda w: f"/proactive/{w.task_open.pk}/", DECIDE | {"handler_city"}),
        get(lambda w: f"/proactive/{w.task_proposed.pk}/", DECIDE),
    ),
    "proactive:accept": (
        post(
            lambda w: f"/proactive/{w.task_proposed.pk}/accept/",
            DECIDE,
            lambda w: {"owner_unit": "U-CG", "deadline": str(w.task_open.deadline)},
            bad_body=const({"deadline": "soon"}),
        ),
    ),
    "proactive:dismiss": (
        post(
            lambda w: f"/proactive/{w.task_proposed.pk}/dismiss/",
            DECIDE,
            const({"reason": "已列入年度计划"}),
            bad_body=const({"reason": ""}),
        ),
    ),
    "proactive:outcome": (
        post(
            lambda w: f"/proactive/{w.task_open.pk}/outcome/",
            DECIDE | {"handler_city"},
            const({"outcome": "更换路灯 12 盏"}),
            bad_body=const({"outcome": ""}),
        ),
    ),
    "proactive:subscriptions": (
        get(const("/proactive/subscriptions/"), EVERYONE),
    ),  # anonymous: by verified phone
    "proactive:notices": (get(const("/proactive/notices/"), EVERYONE),),
    "proactive:notice": (
        get(lambda w: f"/proactive/notices/{w.notice.pk}/", EVERYONE),
        get(const("/proactive/notices/999999/"), NOBODY),
    ),
    "proactive:notice_manage": (get(const("/proactive/notices/manage/"), NOTICE_PUBLISHERS),),
    "proactive:notice_withdraw": (
        post(
            lambda w: f"/proactive/notices/{w.notice.pk}/withdraw/",
            NOTICE_G1,
            const({"reason": "改期"}),
            bad_body=const({"reason": ""}),
        ),
    ),
    "proactive:unsubscribe": (
        get(lambda w: f"/proactive/unsubscribe/{w.subscription.token}/", EVERYONE),
        get(const("/proactive/unsubscribe/no-such-token/"), NOBODY),
    ),
    "api:notice_list": (aget(const("/api/v1/proactive/notices"), EVERYONE),),
    "api:notice_managed_list": (aget(const("/api/v1/proactive/notices/managed"), NOTICE_PUBLISHERS),),
    "api:notice_detail": (
        aget(lambda w: f"/api/v1/proactive/notices/{w.notice.pk}", EVERYONE),
        aget(const("/api/v1/proactive/notices/999999"), NOBODY),
    ),
    "api:notice_publish": (
        apost(
            const("/api/v1/proactive/notices"),
            NOTICE_G1,
            lambda w: {
                "kind": "power",
                "title": "幸福一网格计划停电",
                "body": "线路检修。",
                "area": w.notice.area.code,
                "starts_at": (w.notice.starts_at + dt.timedelta(days=1)).isoformat(),
                "ends_at": (w.notice.ends_at + dt.timedelta(days=1)).isoformat(),
            },
            bad_body=lambda w: {
                "kind": "power",
                "title": "",
                "body": "x",
                "area": w.notice.area.code,
                "starts_at": "2026-01-01T00:00:00+08:00",
                "ends_at": "2026-01-01T01:00:00+08:00",
            },
            get_405=False,
        ),
    ),
    "api:notice_withdraw": (
        apost(
            lambda w: f"/api/v1/proactive/notices/{w.notice.pk}/withdraw",
            NOTICE_G1,
            const({"reason": "改期"}),
            bad_body=const({"reason": ""}),
        ),
    ),
    "api:proactive_tasks": (aget(const("/api/v1/proactive/tasks"), SIGNED_IN),),  # each sees only theirs
    "api:proactive_task": (
        aget(lambda w: f"/api/v1/proactive/tasks/{w.task_open.pk}", DECIDE | {"handler_city"}),
        aget(lambda w: f"/api/v1/proactive/tasks/{w.task_proposed.pk}", DECIDE),
    ),
    "api:proactive_task_outcome": (
        apost(
            lambda w: f"/api/v1/proactive/tasks/{w.task_open.pk}/outcome",
            DECIDE | {"handler_city"},
            const({"outcome": "更换路灯 12 盏"}),
            bad_body=const({"outcome": ""}),
        ),
    ),
}


# webhooks: any staff member sees their own subscriptions; the one in the world is the admin's
INTEGRATIONS: dict[str, tuple[Case, ...]] = {
    "integrations:list": (get(const("/integrations/"), STAFF),),
    "integrations:detail": (get(const("/integrations/999999/"), NOBODY),),
    "integrations:resume": (post(const("/integrations/999999/resume/"), NOBODY),),
}


def _merge(*parts: dict[str, tuple[Case, ...]]) -> dict[str, tuple[Case, ...]]:
    merged: dict[str, tuple[Case, ...]] = {}
    for part in parts:
        for key, cases in part.items():
            merged[key] = merged.get(key, ()) + cases
    return merged


# Open data (public, no login). The world's report is a draft: not public, so 404 for everyone.
OPENDATA: dict[str, tuple[Case, ...]] = {
    "opendata:index": (get(const("/open/"), EVERYONE),),
    "opendata:report": (get(lambda w: f"/open/reports/{w.report.pk}/", NOBODY),),
    "opendata:dictionary": (get(const("/open/data/dictionary.json"), EVERYONE),),
    "opendata:month": (
        get(const("/open/data/2026-01.csv"), EVERYONE),
        get(const("/open/data/2026-01.json"), EVERYONE),
    ),
}

APPS_MATRIX = _merge(
    CONSULTATIONS, ACTIVITIES, MEDIATION, LEARNING, LEARNING_SHARED, PROACTIVE, INTEGRATIONS, OPENDATA
)
