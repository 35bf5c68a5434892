"""Types the tests share with the type checker."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # What django.test.Client's get/post return: an HttpResponse with .json(), .context, .templates.
    # The name exists in django-stubs only; at run time the plain HttpResponse stands in for it.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse
else:
    from django.http import HttpResponse as TestResponse

__all__ = ["TestResponse"]
