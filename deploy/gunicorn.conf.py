"""gunicorn settings for the lianxin-web unit (`gunicorn -c deploy/gunicorn.conf.py lianxin.wsgi`).

Everything can be overridden from the environment file: LIANXIN_WEB_BIND, LIANXIN_WEB_WORKERS,
LIANXIN_WEB_THREADS, LIANXIN_WEB_TIMEOUT.
"""

import multiprocessing
import os

bind = os.environ.get("LIANXIN_WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LIANXIN_WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("LIANXIN_WEB_THREADS", "1"))
timeout = int(os.environ.get("LIANXIN_WEB_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
max_requests = 2000  # recycle a worker now and then (bounded memory), with jitter so not all at once
max_requests_jitter = 200
forwarded_allow_ips = "127.0.0.1"  # nginx on the same host; the app itself reads LIANXIN_TRUSTED_PROXIES
accesslog = "-"
errorlog = "-"
# "%(h)s" is nginx; the client's address is in the forwarded header and the app's own log lines
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}i)s'


def child_exit(server, worker):  # gunicorn hook
    """/metrics adds up every worker (PROMETHEUS_MULTIPROC_DIR): forget a worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
