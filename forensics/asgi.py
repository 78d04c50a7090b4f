"""ASGI entry point; like forensics.wsgi, freezes what loading the project made (see there)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forensics.settings")
application = get_asgi_application()
gc.collect()
gc.freeze()
