"""Map domain errors raised by web views to clear 4xx pages instead of 500s."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from .errors import DomainError, error_headers


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        headers = error_headers(exception)
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse(exception.as_dict(), status=exception.status_code, headers=headers)
        html = render_to_string("core/error.html", {"error": exception}, request=request)
        return HttpResponse(html, status=exception.status_code, headers=headers)


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the person chose another language (the language cookie set by
    /i18n/setlang/). A browser's Accept-Language does not switch the interface by itself:
    the platform serves a Chinese public, on shared and borrowed devices."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response
