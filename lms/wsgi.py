"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")
application = get_wsgi_application()

from lms.core.warm import warm_up  # noqa: E402 - needs the settings and apps set up above

warm_up()
