"""WSGI entry point: `gunicorn forensics.wsgi`.

What loading the project makes (modules, classes, URL patterns, serializer and form fields)
lives as long as the process, so `gc.freeze()` moves it out of the cyclic collector's reach: a
full collection during a request then scans that request's objects only, not the whole
framework (bench_findings: the occasional 100 ms pause behind the list pages' p95, docs/findings.md).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forensics.settings")
application = get_wsgi_application()
gc.collect()  # startup's own garbage is freed, not frozen for good
gc.freeze()
