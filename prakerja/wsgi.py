"""WSGI entry point (gunicorn: see prakerja/gunicorn_conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prakerja.settings.dev")

application = get_wsgi_application()
