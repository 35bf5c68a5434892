"""The versioned JSON API (`/api/v1/`): one NinjaAPI, its routers and its single error mapping."""

from __future__ import annotations

from ninja import NinjaAPI

from lianxin.activities.api import router as activities_router
from lianxin.consultations import api as consultations_api
from lianxin.consultations import api_materials as consultations_materials_api
from lianxin.outreach.api import router as outreach_router
from lianxin.proactive.api import router as proactive_router
from lianxin.proactive.api_notices import router as proactive_notices_router

from . import appeals, appeals_batch, appeals_loop, kpis, learning, mediation, org, sms
from .docs import OfflineSwagger
from .errors import install_error_handlers

api = NinjaAPI(
    title="Lianxin API",
    version="1",
    description=(
        "连心 · 群众诉求接口。Authenticate staff and integrations with `Authorization: Bearer <key>` "
        "(or `X-Api-Key: <key>`); browsers may use their session with the `X-CSRFToken` header. "
        'Errors are `{"error": code, "message": text, "field": name}`. '
        "Every text input is bounded in length, and a NUL character (U+0000, `\\u0000` in JSON) in any "
        "query parameter, form field or JSON body is refused with 400 (`validation_error`, "
        "code `nul_character`) before anything is stored."
    ),
    urls_namespace="api",
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/", appeals.router)
api.add_router("/", appeals_batch.router)
api.add_router("/", appeals_loop.router)
api.add_router("/", org.router)
api.add_router("/", outreach_router)
api.add_router("/", proactive_router)
api.add_router("/", proactive_notices_router)
api.add_router("/", consultations_api.router)
api.add_router("/", consultations_materials_api.router)
api.add_router("/", activities_router)
api.add_router("/", mediation.router)
api.add_router("/", learning.router)
api.add_router("/", kpis.router)
api.add_router("/", sms.router)
