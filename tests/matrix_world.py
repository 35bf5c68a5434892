"""The fixture world of the URL access matrix (tests/test_url_matrix.py): a `District` and one
object of each kind, made through the real service functions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from http.cookies import SimpleCookie
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client
from django.utils import timezone

from lianxin.activities.models import Activity, Organization, Signup, Wish
from lianxin.appeals import services
from lianxin.appeals.actors import Actor
from lianxin.appeals.intake import AppealInput, AttachmentInput, appeal_submit
from lianxin.appeals.models import Appeal, ReplyReviewRule, ReviewerKind, Satisfaction
from lianxin.consultations.models import Consultation, ConsultationAttachment, Hearing, Proposal, Statement
from lianxin.learning.models import Course, Enrolment, Lesson
from lianxin.mediation.models import MediationCase
from lianxin.org.models import Area, Unit, User
from lianxin.org.services import api_token_create
from lianxin.outreach.models import Visit, VisitPhoto
from lianxin.proactive.models import Notice, ProactiveTask, Subscription
from lianxin.reports import services as report_services
from lianxin.reports.models import Report
from lianxin.supervision import rollups
from lianxin.supervision import services as sv_services
from lianxin.supervision.models import (
    AssessmentScheme,
    FollowUp,
    RaisedWarning,
    SupervisionOrder,
    WarningRule,
)
from lianxin.supervision.selectors import Period
from tests.api.conftest import PNG_BYTES as PNG
from tests.factories import District
from tests.matrix_world_apps import build_apps
from tests.outreach.factories import household

# Every actor of the matrix; each is a user of `District` (anonymous: nobody).
ACTORS = (
    "anonymous",
    "resident",
    "other_resident",
    "operator",
    "dispatcher",
    "handler_city",
    "handler_env",
    "grid_a",
    "supervisor",
    "leader_b",
    "admin",
)
REMOTE_ADDR = "10.1.2.3"  # not localhost: /metrics must not open to everyone here


class World:
    """Appeals of unit_city in grid G1 (in every status the actions need; three owned by the
    account `resident`), one of unit_env in G2, a warning and two supervision orders to unit_city, a
    follow-up call, a report on street A and an outreach household in each grid. Each actor has an
    API token."""

    # set by tests.matrix_world_apps.build_apps
    activity: Activity
    activity2: Activity
    signup: Signup
    phone_signup: Signup
    wish: Wish
    organization: Organization
    case: MediationCase
    case_working: MediationCase
    mediator: User
    mediator_2: User
    course: Course
    enrolment: Enrolment
    lesson: Lesson
    consult: Consultation
    consult_draft: Consultation
    consult_file: ConsultationAttachment
    consult_file_spare: ConsultationAttachment
    draft_file: ConsultationAttachment
    proposal: Proposal
    statement: Statement
    hearing: Hearing
    task_proposed: ProactiveTask
    task_open: ProactiveTask
    subscription: Subscription
    notice: Notice
    visit: Visit
    visit_photo: VisitPhoto

    def __init__(self) -> None:
        self.d = District()
        self.unit_city: Unit = Unit.objects.get(code="U-CG")
        self.street_a: Area = Area.objects.get(code="S1")
        # the actors' names are their usernames in District
        self.users: dict[str, User | None] = {"anonymous": None}
        self.users.update((a, User.objects.get(username=a)) for a in ACTORS[1:])
        resident = self.user("resident")
        self._sessions: dict[str, str] = {}
        self._clients: dict[str, Client] = {}
        handler = Actor.staff(self.user("handler_city"))
        # the unit_city appeal of the brief: accepted, in G1, with an attachment, the resident's own
        self.city = self._submit(
            resident=resident, attachments=[AttachmentInput("photo.png", PNG, "image/png")]
        )
        self._dispatch(self.city)
        services.appeal_accept(appeal=self.city, actor=handler)
        self.attachment = self.city.attachments.get()
        self.env = self._submit(
            category_code="HB", area_code="G2", text="和平社区河道有人倾倒垃圾，气味很大，请环保部门处理。"
        )
        self._dispatch(self.env, unit=Unit.objects.get(code="U-HB"))
        services.appeal_accept(appeal=self.env, actor=Actor.staff(self.user("handler_env")))
        self.submitted = self._submit(text="幸福小区南门人行道砖块松动，老人走路容易绊倒，请尽快修补。")
        self.inquiry = self._submit(kind="inquiry", text="请问幸福社区的路灯报修除了网上还可以打哪个电话？")
        self.dispatched = self._submit(text="幸福小区东侧垃圾桶满了三天没人清运，夏天气味难闻。")
        self._dispatch(self.dispatched)
        self.extension = self._submit(text="幸福小区地下车库积水严重，需要排水改造，工期较长。")
        self._dispatch(self.extension)
        services.appeal_accept(appeal=self.extension, actor=handler)
        services.appeal_request_extension(
            appeal=self.extension, actor=handler, working_days=5, reason="需要施工"
        )
        self.replied = self._submit(resident=resident, text="幸福小区3栋楼道灯坏了两周，晚上上下楼看不见。")
        self._dispatch(self.replied)
        services.appeal_accept(appeal=self.replied, actor=handler)
        services.appeal_reply(appeal=self.replied, actor=handler, text="已更换楼道灯。")
        self.closed = self._submit(resident=resident, text="幸福小区健身器材损坏，螺丝松动有安全隐患。")
        self._dispatch(self.closed)
        services.appeal_accept(appeal=self.closed, actor=handler)
        services.appeal_reply(appeal=self.closed, actor=handler, text="已维修健身器材。")
        services.appeal_rate(
            appeal=self.closed,
            actor=Actor.resident(resident),
            satisfaction=Satisfaction.DISSATISFIED,
            solved=False,
        )
        for appeal in (
            self.city,
            self.env,
            self.submitted,
            self.inquiry,
            self.dispatched,
            self.extension,
            self.replied,
            self.closed,
        ):
            appeal.refresh_from_db()
        self._supervision()
        self._loop(handler)
        # outreach: a household in G1 (grid_a's) and one in G2 (street B's)
        self.house_a = household(Area.objects.get(code="G1"))
        self.house_b = household(Area.objects.get(code="G2"), phone="13900002222", name="李建国")
        build_apps(self)  # consultations, activities, mediation, learning
        self.tokens = {
            name: api_token_create(user=user, name=f"matrix {name}")[1]
            for name, user in self.users.items()
            if user is not None
        }

    def _submit(self, *, resident: User | None = None, **overrides: object) -> Appeal:
        data = AppealInput(
            text="东街道幸福小区3栋门口路灯坏了一个多月，晚上很黑，希望尽快修好。",
            kind="complaint",
            channel="web",
            category_code="CJ-LD",
            area_code="G1",
            contact_name="张三",
            contact_phone="13812341234",
            contact_consent=True,
        )
        for key, value in overrides.items():
            setattr(data, key, value)
        return appeal_submit(data=data, actor=Actor.resident(resident), resident=resident).appeal

    def user(self, actor: str) -> User:
        user = self.users[actor]
        assert user is not None
        return user

    def _dispatch(self, appeal: Appeal, unit: Unit | None = None) -> None:
        services.appeal_dispatch(
            appeal=appeal, actor=Actor.staff(self.user("dispatcher")), unit=unit or self.unit_city
        )

    def _loop(self, handler: Actor) -> None:
        """A reply held for the centre's review (the rule is switched off again, so that other replies
        are published at once) and an appeal of `resident` merged into `replied`."""
        rule = ReplyReviewRule.objects.create(unit=self.unit_city, reviewer=ReviewerKind.CENTRE)
        self.in_review = self._submit(text="幸福小区5栋路灯忽明忽暗，晚上看不清台阶。")
        self._dispatch(self.in_review)
        services.appeal_accept(appeal=self.in_review, actor=handler)
        services.appeal_reply(appeal=self.in_review, actor=handler, text="已更换5栋路灯。")
        rule.active = False
        rule.save(update_fields=["active"])
        self.merged = self._submit(
            resident=self.user("resident"), text="幸福小区3栋楼道灯不亮，晚上上下楼很危险。"
        )
        services.appeal_merge(
            appeal=self.merged, actor=Actor.staff(self.user("dispatcher")), into=self.replied
        )
        for appeal in (self.in_review, self.merged, self.replied):
            appeal.refresh_from_db()

    def _supervision(self) -> None:
        self.warning = RaisedWarning.objects.create(
            rule=WarningRule.objects.get(kind="appeal_overdue"),
            subject_key=f"appeal:{self.city.pk}",
            appeal=self.city,
            unit=self.unit_city,
            message="超期",
            raised_at=timezone.now(),
        )
        supervisor = Actor.staff(self.user("supervisor"))
        self.order: SupervisionOrder = sv_services.order_create(
            actor=supervisor,
            warning=self.warning,
            unit=None,
            title="请尽快办理",
            instructions="三日内反馈",
            due_working_days=3,
        )
        self.order_responded = sv_services.order_create(
            actor=supervisor,
            appeal=self.extension,
            unit=None,
            title="请说明延期原因",
            instructions="两日内反馈",
            due_working_days=2,
        )
        sv_services.order_respond(
            order=self.order_responded, actor=Actor.staff(self.user("handler_city")), text="已说明"
        )
        AssessmentScheme.objects.update(follow_up_sample_percent=Decimal("100"))
        rollups.process_events(settle_seconds=0)
        self.follow_up: FollowUp = FollowUp.objects.get(appeal=self.closed)
        period = Period.containing(timezone.localdate() - dt.timedelta(days=31))
        self.report: Report = report_services.report_generate(
            period=period, area=self.street_a, actor=self.user("supervisor"), queue_pdf=False
        )

    def web_client(self, actor: str) -> Client:
        """The actor's client, with only its session cookie (no messages or proofs left by an earlier
        request). The session is made once; each Client loads the middleware (whitenoise scans the
        static files), so clients are reused: a fresh one per request doubled the matrix's time."""
        client = self._clients.get(actor)
        if client is None:
            client = self._clients[actor] = Client(REMOTE_ADDR=REMOTE_ADDR)
            user = self.users[actor]
            if user is not None:
                self._sessions[actor] = _session_for(user)
        client.cookies = SimpleCookie()
        if actor in self._sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self._sessions[actor]
        return client

    def api_headers(self, actor: str) -> dict[str, str]:
        token = self.tokens.get(actor)
        return {"Authorization": f"Bearer {token}"} if token else {}


def _session_for(user: User) -> str:
    """A logged-in session's key, written directly: `Client.force_login` sends `user_logged_in`
    with an empty request, and django-axes then stores the address "unknown", which PostgreSQL's
    inet column refuses."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    assert store.session_key is not None
    return store.session_key
