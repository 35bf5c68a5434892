"""Celery application. Workers: `celery -A lianxin worker`; beat: `celery -A lianxin beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")

app = Celery("lianxin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
