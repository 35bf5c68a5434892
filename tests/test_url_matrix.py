"""The role × URL × object access matrix (Zulip-style): every URL of `lianxin.urls` has an entry
here saying which actors may use it, on which object; everyone else must be refused.

A new URL without an entry fails `test_every_url_has_an_entry` (naming the route), and so does an
entry whose URL is gone. `test_access_matrix` then asks every route as every actor of the fixture
world (`tests/matrix_world.py`): an allowed actor must succeed (2xx, or a redirect that is not a
login/lookup page), anyone else must be refused — the login page for anonymous visitors, 401/403,
or **404 for an object that is not theirs**, the same answer as for one that does not exist.
POST-only routes also answer a GET with 405, and refuse the wrong actors even with a body that
would not validate (authorisation comes before validation).

The expectations come from the policy (`lianxin/appeals/policy.py`, `privacy.may_see_contact`,
`lianxin/supervision/policy.py` and the views' role checks), not from recorded behaviour. Each
request runs in a transaction that is rolled back, so every allowed actor acts on the same world.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix_apps import APPS_MATRIX
from tests.matrix_cases import (
    CALLERS,
    CONTACT_CITY,
    DISPATCHERS,
    EVERYONE,
    HANDLERS,
    HOTLINE,
    LOGIN_PAGES,
    NOBODY,
    OVERSEERS,
    SEE_CITY,
    SEE_ENV,
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
from tests.matrix_world import ACTORS, World


def _rating_token(appeal: Any) -> str:
    from lianxin.appeals.sms import rating_link_token

    return rating_link_token(appeal)


REVIEWERS = frozenset(
    {"dispatcher", "supervisor", "admin"}
)  # the centre's reply review (policy.reply_review_reach)


def on(attr: str, suffix: str = "") -> Build:
    """/staff/appeals/<pk>/<suffix> of the world's appeal `attr`."""
    return lambda w: f"/staff/appeals/{getattr(w, attr).pk}/{suffix}"


def api_on(attr: str, suffix: str = "") -> Build:
    return lambda w: f"/api/v1/appeals/{getattr(w, attr).tracking_number}{suffix}"


def track(attr: str, suffix: str = "") -> Build:
    return lambda w: f"/track/{getattr(w, attr).tracking_number}/{suffix}"


def act(
    attr: str,
    action: str,
    allowed: frozenset[str],
    body: dict[str, str],
    bad: dict[str, str] | None = None,
) -> Case:
    return post(
        on(attr, f"act/{action}/"), allowed, const(body), bad_body=const(bad) if bad is not None else None
    )


def order(attr: str, suffix: str = "") -> Build:
    return lambda w: f"/supervision/orders/{getattr(w, attr).pk}/{suffix}"


def _png_upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("door.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, content_type="image/png")


def house(attr: str, suffix: str = "") -> Build:
    return lambda w: f"/outreach/households/{getattr(w, attr).pk}/{suffix}"


def api_house(attr: str, suffix: str = "") -> Build:
    return lambda w: f"/api/v1/outreach/households/{getattr(w, attr).pk}{suffix}"


def report(suffix: str = "") -> Build:
    return lambda w: f"/reports/{w.report.pk}/{suffix}"


SUBMIT_BODY = {
    "text": "幸福小区3栋门口的路灯坏了一个多月，晚上很黑，希望尽快修好。",
    "kind": "complaint",
    "category": "CJ-LD",
    "area": "G1",
    "contact_name": "张三",
    "contact_phone": "13812341234",
    "contact_consent": True,
}

# route name (or route, when unnamed) → the cases that exercise it
MATRIX: dict[str, tuple[Case, ...]] = {
    # --- operations and framework ---------------------------------------------------------------
    "favicon.ico": (get(const("/favicon.ico"), EVERYONE),),
    "healthz": (get(const("/healthz"), EVERYONE),),
    "readyz": (get(const("/readyz"), EVERYONE, ok_status=frozenset({503})),),  # 503 names what is down
    "metrics": (get(const("/metrics"), NOBODY),),  # a scrape token or localhost, never a login
    "admin/": (get(const("/admin/"), frozenset({"admin"})),),  # only is_staff administrators
    # Django's view: a GET only redirects back (nothing changes), a POST sets the language
    "set_language": (
        post(const("/i18n/setlang/"), EVERYONE, const({"language": "en", "next": "/"})),
        get(const("/i18n/setlang/"), EVERYONE),
    ),
    "accounts:verify": (get(const("/accounts/2fa/"), SIGNED_IN),),
    "accounts:setup": (get(const("/accounts/2fa/setup/"), SIGNED_IN),),
    "accounts:recovery": (get(const("/accounts/2fa/recovery/"), SIGNED_IN),),
    # --- the residents' portal ------------------------------------------------------------------
    "web:home": (get(const("/"), EVERYONE),),
    "web:login": (get(const("/accounts/login/"), EVERYONE),),
    "web:logout": (post(const("/accounts/logout/"), EVERYONE),),
    "web:elderly_toggle": (post(const("/elderly/"), EVERYONE),),
    "web:submit": (get(const("/appeal/new/"), EVERYONE),),
    "web:area_options": (get(const("/appeal/areas/?level=grid&community=C1"), EVERYONE),),
    "web:receipt": (get(const("/appeal/receipt/"), NOBODY),),  # only right after submitting, in that session
    "web:track": (get(const("/track/"), EVERYONE),),
    "web:track_detail": (get(track("city"), frozenset({"resident"})),),  # the owner; nobody by number alone
    "web:track_rate": (
        post(
            track("replied", "rate/"),
            frozenset({"resident"}),
            const({"satisfaction": "satisfied", "solved": "yes"}),
            bad_body=const({"satisfaction": "bogus"}),
        ),
    ),
    "web:track_reopen": (
        post(track("closed", "reopen/"), frozenset({"resident"}), const({"reason": "路灯仍不亮"})),
    ),
    "web:track_withdraw": (
        post(
            track("city", "withdraw/"),
            frozenset({"resident"}),
            const({"withdraw-reason": "已自行解决", "withdraw-confirm": "on"}),
            bad_body=const({}),
        ),
    ),
    # only a published reply's public attachments; the appeal's own attachment is not one of them
    "web:track_attachment": (
        get(lambda w: f"/track/{w.city.tracking_number}/attachments/{w.attachment.pk}/", NOBODY),
    ),
    "web:my_appeals": (get(const("/mine/"), SIGNED_IN),),
    # --- the staff workbench --------------------------------------------------------------------
    "web:staff_home": (get(const("/staff/"), STAFF),),
    "web:queue": (
        get(const("/staff/queue/all/"), STAFF),
        get(const("/staff/queue/to_dispatch/"), STAFF),
        get(const("/staff/queue/no-such-queue/"), NOBODY),
    ),
    "web:bulk_dispatch": (
        post(
            const("/staff/bulk-dispatch/"),
            DISPATCHERS,
            lambda w: {"unit": str(w.unit_city.pk), "ids": [str(w.submitted.pk)]},
            bad_body=const({"unit": "x"}),
        ),
    ),
    "web:appeal": (get(on("city"), SEE_CITY), get(on("env"), SEE_ENV)),
    "web:appeal_act": (
        act("dispatched", "accept", frozenset({"handler_city"}), {"accept-note": ""}),
        act(
            "city",
            "reply",
            frozenset({"handler_city"}),
            {"reply-text": "已修好路灯。", "reply-result": "resolved"},
            bad={"reply-text": "", "reply-result": "resolved"},
        ),
        act(
            "env",
            "reply",
            frozenset({"handler_env"}),
            {"reply-text": "已清理河道。", "reply-result": "resolved"},
            bad={"reply-text": "已清理河道。", "reply-result": "done"},
        ),
        # a grid worker's record on the spot (现场记录): grid G1's worker only, the city appeal is in G1
        act(
            "city",
            "field_record",
            frozenset({"grid_a"}),
            {"field_record-kind": "check", "field_record-note": "已到现场查看"},
            bad={"field_record-kind": "visit"},
        ),
        act(
            "env", "field_record", NOBODY, {"field_record-kind": "check", "field_record-note": "已到现场查看"}
        ),
        act(
            "city",
            "contact_resident",
            frozenset({"handler_city"}),
            {"contact_resident-method": "phone"},
            bad={"contact_resident-method": "fax"},
        ),
        post(
            on("submitted", "act/dispatch/"),
            DISPATCHERS,
            lambda w: {"dispatch-unit": str(w.unit_city.pk)},
            bad_body=const({"dispatch-unit": "x"}),
        ),
        act(
            "extension",
            "decide_extension",
            frozenset({"dispatcher", "admin", "supervisor"}),
            {"decide_extension-approve": "yes"},
            bad={"decide_extension-approve": "maybe"},
        ),
        act("city", "withdraw", HOTLINE, {"withdraw-reason": "群众来电撤回"}),
        act("city", "no-such-action", NOBODY, {}),
    ),
    "web:reveal_contact": (
        post(on("city", "contact/"), CONTACT_CITY),
        post(on("env", "contact/"), frozenset({"operator", "dispatcher", "supervisor", "handler_env"})),
    ),
    "web:attachment": (
        get(lambda w: f"/staff/appeals/{w.city.pk}/attachments/{w.attachment.pk}/", SEE_CITY),
        # an attachment asked for under another appeal: not there
        get(lambda w: f"/staff/appeals/{w.env.pk}/attachments/{w.attachment.pk}/", NOBODY),
    ),
    "web:hotline": (get(const("/staff/hotline/"), HOTLINE),),
    "web:callbacks": (get(const("/staff/callbacks/"), HOTLINE),),
    # the world's `replied` has no sealed number: the callers are told so (a redirect), the rest refused
    "web:callback_dial": (post(on("replied", "callback/dial/"), HOTLINE, const({"next": "queue"})),),
    "web:rate_link": (get(lambda w: f"/rate/{_rating_token(w.replied)}/", EVERYONE),),
    # earlier appeals by phone: only roles that may search by phone (defect 2), so not admins
    "web:hotline_similar": (
        get(
            const("/staff/hotline/similar/?contact_phone=13812341234"), frozenset({"operator", "dispatcher"})
        ),
    ),
    "web:notifications": (get(const("/staff/notifications/"), STAFF),),
    # --- supervision ----------------------------------------------------------------------------
    "supervision:dashboard": (get(const("/supervision/"), OVERSEERS),),
    "supervision:text_hotspots": (get(const("/supervision/text-hotspots/"), OVERSEERS),),
    "supervision:unit": (get(const("/supervision/unit/"), HANDLERS),),
    "supervision:cadres": (get(const("/supervision/cadres/"), OVERSEERS),),  # and a unit's leader (none here)
    "supervision:drill": (
        get(const("/supervision/drill/?figure=received"), OVERSEERS | HANDLERS),
        # one unit's figures: overseers (within their area), and that unit itself
        get(
            lambda w: f"/supervision/drill/?figure=received&unit={w.unit_city.pk}",
            OVERSEERS | {"handler_city"},
        ),
    ),
    "supervision:warnings": (get(const("/supervision/warnings/"), OVERSEERS),),
    "supervision:replies": (get(const("/supervision/replies/"), OVERSEERS),),
    "supervision:orders": (get(const("/supervision/orders/"), OVERSEERS | HANDLERS),),
    "supervision:order_new": (get(lambda w: f"/supervision/orders/new/?warning={w.warning.pk}", CALLERS),),
    "supervision:order": (get(order("order"), CALLERS | {"handler_city"}),),
    "supervision:order_respond": (
        post(
            order("order", "respond/"),
            frozenset({"handler_city"}),
            const({"text": "已修好路灯并回复群众。"}),
            bad_body=const({"text": ""}),
        ),
    ),
    "supervision:order_close": (
        post(
            order("order_responded", "close/"),
            CALLERS,
            const({"note": "核实无误"}),
            bad_body=const({"note": "长" * 5000}),
        ),
    ),
    "supervision:follow_ups": (get(const("/supervision/follow-ups/"), CALLERS),),
    "supervision:follow_up": (get(lambda w: f"/supervision/follow-ups/{w.follow_up.pk}/", CALLERS),),
    # --- reports (the world's report is on street A) --------------------------------------------
    "reports:list": (get(const("/reports/"), OVERSEERS),),
    "reports:generate": (
        post(
            const("/reports/generate/"),
            CALLERS,
            lambda w: {"period": w.report.period_label, "area": "S1"},
            bad_body=const({"period": "someday", "area": "S1"}),
        ),
    ),
    "reports:detail": (get(report(), CALLERS),),
    "reports:lessons": (post(report("lessons/"), CALLERS, const({"lessons": "路灯报修响应快。"})),),
    "reports:publish": (post(report("publish/"), CALLERS),),
    "reports:pdf": (get(report("pdf/"), CALLERS),),
    "reports:download": (get(report("download.xlsx"), CALLERS), get(report("download.html"), CALLERS)),
    # --- outreach (lianxin/outreach/policy.py). Any account may be a cadre (联系干部), so the own-work
    # pages are open to every signed-in user, each seeing only their own households.
    "outreach:home": (get(const("/outreach/"), SIGNED_IN),),
    "outreach:mine": (get(const("/outreach/mine/"), SIGNED_IN),),
    "outreach:visits": (get(const("/outreach/visits/"), SIGNED_IN),),
    "outreach:follow_ups": (get(const("/outreach/follow-ups/"), SIGNED_IN),),
    "outreach:points": (get(const("/outreach/points/"), SIGNED_IN),),
    "outreach:households": (get(const("/outreach/households/"), SIGNED_IN),),
    # see a household: its grid's workers, leaders above it, admins (not supervisors, not unit handlers)
    "outreach:household": (
        get(house("house_a"), frozenset({"grid_a", "admin"})),
        get(house("house_b"), frozenset({"leader_b", "admin"})),
    ),
    "outreach:household_assign": (
        post(
            house("house_a", "assign/"),
            frozenset({"grid_a", "admin"}),
            const({"username": "resident"}),
            bad_body=const({"username": "nobody-here"}),
        ),
    ),
    "outreach:visit_new": (get(house("house_a", "visit/"), frozenset({"grid_a", "admin"})),),
    # the visit to house_a and its photo: those who may see the household see it, who may visit add
    "outreach:visit_photo": (
        get(
            lambda w: f"/outreach/visits/{w.visit.pk}/photos/{w.visit_photo.pk}/",
            frozenset({"grid_a", "admin"}),
        ),
    ),
    "outreach:visit_photos_add": (
        post(
            lambda w: f"/outreach/visits/{w.visit.pk}/photos/",
            frozenset({"grid_a", "admin"}),
            lambda w: {"photos": _png_upload()},
            bad_body=const({}),
        ),
    ),
    # no concern in the world: the same 404 for everyone (an existing one is covered in tests/outreach)
    "outreach:concern_appeal": (post(const("/outreach/concerns/999999/appeal/"), NOBODY),),
    "outreach:coverage": (
        get(const("/outreach/coverage/"), frozenset({"grid_a", "supervisor", "leader_b", "admin"})),
    ),
    "outreach:import": (get(const("/outreach/import/"), frozenset({"grid_a", "admin"})),),
    "outreach:export": (post(const("/outreach/export/"), frozenset({"grid_a", "admin"})),),
    "web:my_data": (get(const("/mine/data.json"), SIGNED_IN),),
    "web:my_erase": (get(const("/mine/erase/"), SIGNED_IN),),
    "api:households": (aget(const("/api/v1/outreach/households"), SIGNED_IN),),  # each sees only their own
    "api:household": (
        aget(api_house("house_a"), frozenset({"grid_a", "admin"})),
        aget(api_house("house_b"), frozenset({"leader_b", "admin"})),
    ),
    "api:household_reveal": (
        apost(api_house("house_a", "/reveal?purpose=visit"), frozenset({"grid_a", "admin"}), const({})),
    ),
    "api:visits": (aget(const("/api/v1/outreach/visits"), SIGNED_IN),),
    "api:visit_create": (
        apost(
            const("/api/v1/outreach/visits"),
            frozenset({"grid_a", "admin"}),
            lambda w: {"household": w.house_a.pk, "visited_on": "2026-12-01", "said": "家中一切安好"},
            get_405=False,
        ),
    ),  # GET: the visits list
    "api:coverage": (
        aget(const("/api/v1/outreach/coverage"), frozenset({"grid_a", "supervisor", "leader_b", "admin"})),
    ),
    # --- Open311 (public by design: a public record, no personal data) --------------------------
    "open311:discovery": (get(const("/open311/v2/discovery.json"), EVERYONE),),
    "open311:services": (get(const("/open311/v2/services.json"), EVERYONE),),
    "open311:service": (get(const("/open311/v2/services/CJ-LD.json"), EVERYONE),),
    "open311:requests": (get(const("/open311/v2/requests.json"), EVERYONE),),
    "open311:request": (get(lambda w: f"/open311/v2/requests/{w.city.tracking_number}.json", EVERYONE),),
    # --- the JSON API (API tokens) --------------------------------------------------------------
    "api:index": (aget(const("/api/v1/"), EVERYONE),),
    "api:api-root": (aget(const("/api/v1/"), EVERYONE),),  # django-ninja's own root, shadowed by api:index
    "api:openapi-json": (aget(const("/api/v1/openapi.json"), EVERYONE),),
    "api:openapi-view": (aget(const("/api/v1/docs"), EVERYONE),),
    "api/v1/^(?P<rest>.*)$": (aget(const("/api/v1/no-such-endpoint"), NOBODY),),
    "api:submit": (
        apost(const("/api/v1/appeals"), EVERYONE, const(SUBMIT_BODY), get_405=False),
    ),  # GET: list
    "api:submit_batch": (apost(const("/api/v1/appeals:batch"), EVERYONE, const({"items": [SUBMIT_BODY]})),),
    "api:list_appeals": (aget(const("/api/v1/appeals"), SIGNED_IN),),  # each sees only their own
    "api:get_appeal": (aget(api_on("city"), SEE_CITY | {"resident"}), aget(api_on("env"), SEE_ENV)),
    "api:timeline": (
        aget(api_on("city", "/timeline"), SEE_CITY | {"resident"}),
        aget(api_on("env", "/timeline"), SEE_ENV),
    ),
    "api:reveal_contact": (
        apost(api_on("city", "/contact"), CONTACT_CITY | {"resident"}, const({"purpose": "回访"})),
    ),
    "api:dispatch": (apost(api_on("submitted", "/dispatch"), DISPATCHERS, const({"unit": "U-CG"})),),
    "api:redispatch": (
        apost(api_on("dispatched", "/redispatch"), DISPATCHERS, const({"unit": "U-HB", "note": "职责调整"})),
    ),
    "api:accept": (apost(api_on("dispatched", "/accept"), frozenset({"handler_city"}), const({})),),
    "api:return_": (
        apost(api_on("city", "/return"), frozenset({"handler_city"}), const({"reason": "非本单位职责"})),
    ),
    "api:add_co_handler": (
        apost(api_on("city", "/co-handlers"), DISPATCHERS | {"handler_city"}, const({"unit": "U-HB"})),
    ),
    "api:co_reply": (
        apost(api_on("city", "/co-reply"), NOBODY, const({"text": "协办意见"})),
    ),  # no co-handler yet
    "api:request_extension": (
        apost(
            api_on("city", "/extension"),
            frozenset({"handler_city"}),
            const({"working_days": 3, "reason": "需要施工"}),
        ),
    ),
    "api:decide_extension": (
        apost(
            api_on("extension", "/extension/decision"),
            frozenset({"dispatcher", "admin", "supervisor"}),
            const({"approve": True}),
        ),
    ),
    "api:reply": (
        apost(api_on("city", "/reply"), frozenset({"handler_city"}), const({"text": "已修好路灯。"})),
        apost(api_on("env", "/reply"), frozenset({"handler_env"}), const({"text": "已清理河道。"})),
    ),
    "api:answer_directly": (apost(api_on("inquiry", "/answer"), HOTLINE, const({"text": "可拨打12345。"})),),
    "api:merge": (
        apost(api_on("submitted", "/merge"), DISPATCHERS, lambda w: {"into": w.city.tracking_number}),
    ),
    "api:reclassify": (
        apost(api_on("city", "/reclassify"), DISPATCHERS, const({"category": "HB", "reason": "更正"})),
    ),
    "api:withdraw": (
        apost(api_on("city", "/withdraw"), HOTLINE | {"resident"}, const({"reason": "已解决"})),
    ),
    "api:rate": (
        apost(
            api_on("replied", "/rate"),
            frozenset({"resident"}),
            const({"satisfaction": "satisfied", "solved": True}),
        ),
        apost(api_on("merged", "/rate"), frozenset({"resident"}), const({"satisfaction": "basic"})),
    ),
    "api:approve_reply": (
        apost(api_on("in_review", "/reply/approve"), REVIEWERS, const({"note": "答复完整"})),
    ),
    "api:reject_reply": (
        apost(
            api_on("in_review", "/reply/reject"),
            REVIEWERS,
            const({"reason": "请写明时间"}),
            bad_body=const({"reason": ""}),
        ),
    ),
    "api:record_callback": (
        apost(
            api_on("replied", "/callback"),
            HOTLINE,
            const({"outcome": "reached", "satisfaction": "satisfied", "solved": True}),
            bad_body=const({"outcome": "reached"}),
        ),
    ),
    "api:inbound": (
        apost(const("/api/v1/sms/inbound"), NOBODY, const({"from": "13812341234", "text": "1"})),
    ),  # signed by the provider only
    "api:chase": (
        apost(
            api_on("city", "/chase"),
            HOTLINE,
            const({"kind": "chase", "note": "群众来电催办"}),
            bad_body=const({"kind": "chase", "note": ""}),
        ),
    ),
    "api:record_contact": (
        apost(
            api_on("city", "/contacted"),
            frozenset({"handler_city"}),
            const({"method": "phone"}),
            bad_body=const({"method": "fax"}),
        ),
    ),
    "api:field_record": (
        apost(
            api_on("city", "/field-records"),
            frozenset({"grid_a"}),
            const({"kind": "report_back", "note": "现场已恢复照明"}),
            bad_body=const({"kind": "check", "note": ""}),
        ),
        apost(api_on("env", "/field-records"), NOBODY, const({"kind": "note", "note": "已查看"})),
    ),
    "api:reopen": (
        apost(api_on("closed", "/reopen"), frozenset({"resident"}), const({"reason": "仍未修好"})),
    ),
    "api:categories": (aget(const("/api/v1/categories"), EVERYONE),),
    "api:areas": (aget(const("/api/v1/areas"), EVERYONE),),
    "api:units": (aget(const("/api/v1/units"), EVERYONE),),
    "api:me": (aget(const("/api/v1/me"), SIGNED_IN),),
    "api:kpis": (aget(const("/api/v1/kpis"), OVERSEERS | HANDLERS),),  # a unit's staff: their unit
    "api:cadres": (aget(const("/api/v1/kpis/cadres"), OVERSEERS),),
}
# the newer apps (consultations, activities, mediation, learning); API route names they share add cases
for _key, _cases in APPS_MATRIX.items():
    MATRIX[_key] = MATRIX.get(_key, ()) + _cases


def url_keys(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "", ns: str = ""
) -> Iterator[str]:
    """Every route of the resolver tree: `namespace:name`, or the full route when unnamed. The
    admin site is one entry (its own permission system guards what is inside)."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route == "admin/":
                yield route
                continue
            inner = ":".join(filter(None, [ns, p.namespace or ""]))
            yield from url_keys(p.url_patterns, route, inner)
        else:
            yield f"{ns + ':' if ns else ''}{p.name}" if p.name else route


def test_every_url_has_an_entry():
    keys = list(url_keys())
    missing = sorted(set(keys) - set(MATRIX))
    gone = sorted(set(MATRIX) - set(keys))
    assert not missing, f"URLs without an entry in the access matrix (tests/test_url_matrix.py): {missing}"
    assert not gone, f"matrix entries for URLs that no longer exist: {gone}"


def outcome(response: Any) -> str:
    """'ok', 'refused' or the status code that is neither."""
    code = response.status_code
    if code in (401, 403, 404):
        return "refused"
    if code in (301, 302, 303):
        location = response["Location"]
        # the login page, or the lookup page for a resident who has not proved the appeal is theirs
        refused = location.startswith(LOGIN_PAGES) or location == "/track/" or location.startswith("/track/?")
        return "refused" if refused else "ok"
    return "ok" if 200 <= code < 300 else str(code)


def call(world: World, case: Case, actor: str, *, method: str | None = None, bad: bool = False) -> Any:
    """One request as `actor`, in a transaction rolled back afterwards."""
    method = method or case.method
    path = case.path(world)
    builder = case.bad_body if bad else case.body
    body = builder(world) if builder is not None else {}
    with transaction.atomic():
        client = world.web_client("anonymous" if case.api else actor)
        headers = world.api_headers(actor) if case.api else {}
        if method == "get":
            response = client.get(path, headers=headers)
        elif case.api:
            response = client.post(
                path, data=json.dumps(body), content_type="application/json", headers=headers
            )
        else:
            response = client.post(path, data=body)
        transaction.set_rollback(True)
    return response


def check(world: World, key: str, case: Case) -> Iterator[str]:
    for actor in ACTORS:
        response = call(world, case, actor)
        got = outcome(response)
        if response.status_code in case.ok_status:
            got = "ok"
        want = "ok" if actor in case.allowed else "refused"
        if got != want:
            yield (
                f"{key} {case.method.upper()} {case.path(world)} as {actor}: "
                f"{response.status_code}, expected {want}"
            )
        if want == "refused" and case.method == "post" and case.bad_body is not None:
            response = call(world, case, actor, bad=True)
            if outcome(response) != "refused":
                yield (
                    f"{key} POST {case.path(world)} as {actor} with an invalid body: {response.status_code} "
                    f"— validated before refusing"
                )
    if (
        case.method == "post"
        and case.get_405
        and all(c.method == "post" for c in MATRIX[key])
        and case.allowed
    ):
        actor = sorted(case.allowed)[0]
        response = call(world, case, actor, method="get")
        if response.status_code != 405:
            yield f"{key} GET {case.path(world)} as {actor}: {response.status_code}, expected 405 (POST only)"


# Staff pages the header links to: the link is shown to exactly the actors who may open the page.
NAV_TARGETS = ("/staff/hotline/", "/supervision/", "/supervision/unit/", "/admin/")
NAV_LINK = re.compile(r'<a href="(/[^"]*)"')


def nav_links(world: World, actor: str) -> set[str]:
    html = call(world, get(const("/"), EVERYONE), actor).content.decode()
    start = html.index('<nav class="main-nav"')
    return set(NAV_LINK.findall(html[start : html.index("</nav>", start)]))


def check_nav(world: World) -> Iterator[str]:
    """Every link in the header works for the actor who sees it, and no staff page the actor may
    open is left out of their header."""
    for actor in ACTORS:
        links = nav_links(world, actor)
        for link in sorted(links | set(NAV_TARGETS)):
            works = outcome(call(world, get(const(link), EVERYONE), actor)) == "ok"
            if link in links and not works:
                yield f"nav: {actor} is shown a link to {link} that refuses them"
            if link in NAV_TARGETS and works and link not in links:
                yield f"nav: {actor} may open {link} but the header does not link to it"


@pytest.fixture
def world(db, settings) -> World:
    settings.LIANXIN = {**settings.LIANXIN, "AUTO_DISPATCH": False}
    return World()


def test_access_matrix(world):
    for actor in ACTORS:  # sessions made before the timed, rolled-back requests
        world.web_client(actor)
    failures = [line for key, cases in MATRIX.items() for case in cases for line in check(world, key, case)]
    failures += check_nav(world)
    assert not failures, f"{len(failures)} access-matrix violations:\n" + "\n".join(failures)
