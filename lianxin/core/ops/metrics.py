"""Prometheus metrics (`/metrics`): requests, latency, intake, queue depths, task failures, sweep lag.

Counters and histograms live in this process (or, with `PROMETHEUS_MULTIPROC_DIR` set under
gunicorn, in files every worker shares). Figures that are read from the database or the cache when
scraped (queue depths, sweep lag) come from collectors that domain apps register here at start-up
(`register_scrape`), so this lower layer never imports them.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter(
    "lianxin_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "lianxin_http_request_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
APPEALS_SUBMITTED = Counter("lianxin_appeals_submitted_total", "Appeals taken in (committed)", ["channel"])
TASK_FAILURES = Counter("lianxin_task_failures_total", "Background tasks that raised", ["task"])

Gauges = Callable[[], Iterable[tuple[str, str, dict[str, str], float]]]
_scrapes: list[Gauges] = []


def register_scrape(source: Gauges) -> None:
    """`source()` yields (name, help, labels, value) when /metrics is read."""
    if source not in _scrapes:
        _scrapes.append(source)


class _ScrapeCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        for source in list(_scrapes):
            try:
                rows = list(source())
            except Exception:  # a failing source must not take the whole page down
                continue
            for name, help_text, labels, value in rows:
                family = families.get(name)
                if family is None:
                    family = families[name] = GaugeMetricFamily(name, help_text, labels=sorted(labels))
                family.add_metric([labels[k] for k in sorted(labels)], value)
        yield from families.values()


_SCRAPE = _ScrapeCollector()
REGISTRY.register(_SCRAPE)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(_SCRAPE)
        return registry
    return REGISTRY


def _allowed(request: HttpRequest) -> bool:
    token = settings.LIANXIN.get("METRICS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    return request.META.get("REMOTE_ADDR", "") in {"127.0.0.1", "::1"}


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse(
            "metrics: send Authorization: Bearer <LIANXIN_METRICS_TOKEN>\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts and times every request by its URL pattern (not its path: ids would explode the labels)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match is not None else "unmatched"
        route = route[:80] or "/"
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response
