from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    # pages that do not name an icon (the admin, a browser's own request) ask for /favicon.ico
    path("favicon.ico", RedirectView.as_view(url=static_url("web/favicon.svg"), permanent=True)),
    path("", include("lianxin.core.ops.urls")),  # /healthz, /readyz, /metrics
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/2fa/", include("lianxin.accounts.urls")),
    path("api/v1/", include("lianxin.api.urls")),
    path("open311/v2/", include("lianxin.open311.urls")),
    path("supervision/", include("lianxin.supervision.urls")),
    path("reports/", include("lianxin.reports.urls")),
    path("outreach/", include("lianxin.outreach.urls")),
    path("proactive/", include("lianxin.proactive.urls")),
    path("consultations/", include("lianxin.consultations.urls")),
    path("activities/", include("lianxin.activities.urls")),
    path("mediation/", include("lianxin.mediation.urls")),
    path("learning/", include("lianxin.learning.urls")),
    path("integrations/", include("lianxin.integrations.urls")),
    path("open/", include("lianxin.opendata.urls")),  # public, no login
    path("", include("lianxin.web.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
