"""Demo data: the agency tree, ~300 officials, one login per role, then every app's demo hook."""

import importlib
import importlib.util
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lms.agencies.demo_world import DEMO_PASSWORD, demo_world_load
from lms.core.models import DemoLoad


def demo_hooks():
    """``lms.<app>.demo.load_demo`` for each project app that has a demo module, in
    INSTALLED_APPS order."""
    hooks = []
    for config in apps.get_app_configs():
        if not config.name.startswith("lms."):
            continue
        module_name = f"{config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        if hasattr(module, "load_demo"):
            hooks.append((config.label, module.load_demo))
    return hooks


class Command(BaseCommand):
    help = (
        "Load the demo world once per database: units, Bắc Ninh agencies, officials, demo logins "
        "(--force loads it again)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="load again although this database already has the demo (make demo)",
        )

    def handle(self, *args, force=False, **options):
        # The demo creates logins with a published password (admin/demo12345).
        if not (settings.DEBUG or settings.LMS_ALLOW_DEMO):
            raise CommandError(
                "load_demo refused: it creates logins with the published password "
                f"{DEMO_PASSWORD!r}, and these settings are not a development server "
                "(DEBUG is off). For a test server only, set LMS_ALLOW_DEMO=1; "
                "lms.settings.production always refuses."
            )
        last = DemoLoad.objects.order_by("-loaded_at").first()
        if last is not None and not force:
            # make run starts here every time: what testers changed or imported since stays.
            local = timezone.localtime(last.loaded_at)
            self.stdout.write(
                f"Demo already loaded into this database on {local:%d/%m/%Y %H:%M}; "
                "`make demo` (load_demo --force) loads it again. Logins: see README."
            )
            return
        started = time.monotonic()
        logins = demo_world_load()
        self.stdout.write(f"agencies: demo world ready ({time.monotonic() - started:.1f} s)")
        for label, hook in demo_hooks():
            started = time.monotonic()
            hook(self.stdout)
            self.stdout.write(f"{label}: demo data ready ({time.monotonic() - started:.1f} s)")
        DemoLoad.objects.create()
        widths = (
            max(len("username"), *(len(x.username) for x in logins)),
            len(DEMO_PASSWORD),
            max(len("role"), *(len(str(x.role)) for x in logins)),
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins"))
        header = ("username", "password", "role", "agency")
        self.stdout.write("  ".join(h.ljust(w) for h, w in zip(header, (*widths, 0), strict=True)))
        for login in logins:
            cells = (login.username, DEMO_PASSWORD, str(login.role), login.agency)
            self.stdout.write(
                "  ".join(c.ljust(w) for c, w in zip(cells, (*widths, 0), strict=True))
            )
