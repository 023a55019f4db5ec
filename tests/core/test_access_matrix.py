"""Every URL the project serves, requested as every role, inside and outside the role's scope.

Cases come from tests/<app>/access_cases.py. A named URL of ours with no case fails the test,
so a new view cannot ship without declaring who may open it.
"""

import importlib
import pkgutil

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests.core.access_world import GLOBAL_ROLES, SCOPED_ROLES, build_world

# Namespaces and names that belong to frameworks, not to us.
FOREIGN_NAMESPACES = {"admin", "wagtailadmin", "wagtaildocs", "wagtailimages", "wagtailcore"}


def _collect_cases() -> list[dict]:
    cases = []
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:
            continue
        try:
            found = importlib.import_module(f"tests.{module.name}.access_cases")
        except ModuleNotFoundError:
            continue
        for case in found.CASES:
            cases.append({**case, "_app": module.name})
    return cases


def _our_url_names() -> set[str]:
    """Named URL patterns reachable from lms.urls, outside framework namespaces."""
    names: set[str] = set()

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns in FOREIGN_NAMESPACES:
                    continue
                app = getattr(p.urlconf_module, "__name__", "")
                if isinstance(p.urlconf_name, str) and p.urlconf_name.startswith("wagtail"):
                    continue
                if app.startswith("wagtail") or app.startswith("django.contrib.admin"):
                    continue
                walk(
                    p.url_patterns,
                    f"{namespace}:{p.namespace}" if namespace and p.namespace else ns,
                )
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, None)
    return names


CASES = _collect_cases()


def test_every_named_url_has_a_case():
    covered = {case["name"] for case in CASES if "name" in case}
    missing = sorted(_our_url_names() - covered)
    assert not missing, f"URLs without a role×scope case in tests/<app>/access_cases.py: {missing}"


def _case_id(case):
    return case.get("name") or case.get("id") or f"{case['_app']}-path"


def _is_denied(response, anonymous: bool) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if anonymous and response.status_code == 302:
        location = response.headers.get("Location", "")
        return str(settings.LOGIN_URL) in location or "/login" in location
    if response.status_code == 302:
        # Wagtail's and Django's admins send users without access to their own login pages.
        return "/login/" in response.headers.get("Location", "")
    return False


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_role_scope_matrix(case, client, make_user, db, settings):
    for name, value in case.get("settings", {}).items():  # e.g. a feature that is off by default
        setattr(settings, name, value)
    world = build_world(make_user)
    kwargs = case["kwargs"](world) if "kwargs" in case else {}
    url = case["path"](world) if "path" in case else reverse(case["name"], kwargs=kwargs)
    method = case.get("method", "get")
    data = case["data"](world) if callable(case.get("data")) else case.get("data", {})
    allowed = set(case["allowed"])

    def request_as(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return getattr(client, method)(url, data)

    failures = []
    actors = [("anonymous", None)] + [(str(r), world[r]) for r in (*SCOPED_ROLES, *GLOBAL_ROLES)]
    for role, user in actors:
        response = request_as(user)
        denied = _is_denied(response, anonymous=user is None)
        if role in allowed and denied:
            failures.append(f"{role} was refused ({response.status_code})")
        if role not in allowed and not denied:
            failures.append(f"{role} got in ({response.status_code})")
        if role in allowed and method == "get" and not denied and response.status_code >= 500:
            failures.append(f"{role} got a server error")
    if case.get("scoped"):
        for role in SCOPED_ROLES:
            if str(role) not in allowed:
                continue
            response = request_as(world[f"outsider_{role}"])
            if not _is_denied(response, anonymous=False):
                failures.append(f"outsider {role} got in ({response.status_code})")
    assert not failures, f"{url}: " + "; ".join(failures)
