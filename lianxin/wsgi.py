import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings.base")
application = get_wsgi_application()

if os.environ.get("LIANXIN_WARM_START", "1") == "1":
    from lianxin.appeals.triage_bridge import warm_up_in_background

    warm_up_in_background()
