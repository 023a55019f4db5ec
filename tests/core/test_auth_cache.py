"""The user behind a session comes from the cache (lms/core/auth.py) and never outlives a change."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.core.models import Role
from lms.core.services import role_assign, role_revoke

ROOT = Path(__file__).resolve().parents[2]


def user_queries(client, url="/account/"):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured if '"users_user"' in q["sql"]]


def test_the_user_is_read_once_then_comes_from_the_cache(client, learner):
    client.force_login(learner)
    assert user_queries(client)  # first request: loaded and cached
    assert not user_queries(client)


def test_a_password_change_ends_the_other_sessions(learner):
    laptop, phone = Client(), Client()
    laptop.force_login(learner)
    phone.force_login(learner)
    assert phone.get("/account/").status_code == 200  # cached now
    learner.set_password("mat-khau-moi-2026")
    learner.save()
    response = phone.get("/account/")
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, learner):
    client.force_login(learner)
    assert client.get("/account/").status_code == 200
    learner.is_active = False
    learner.save()
    assert client.get("/account/").status_code == 302


def test_a_new_name_and_a_new_role_show_on_the_next_page(client, learner, tree):
    client.force_login(learner)
    html = client.get("/account/").content.decode()
    assigning = reverse("courses:assign")
    assert f'href="{assigning}"' not in html
    learner.full_name = "Nguyễn Thị Mới Đổi Tên"
    learner.save()
    role_assign(user=learner, role=Role.ISO_SECRETARY, agency=tree["commune_a1"])
    html = client.get("/account/").content.decode()
    assert "Nguyễn Thị Mới Đổi Tên" in html and f'href="{assigning}"' in html
    role_revoke(user=learner, role=Role.ISO_SECRETARY, agency=tree["commune_a1"])
    assert f'href="{assigning}"' not in client.get("/account/").content.decode()


def test_the_embedded_cache_is_shared_by_processes_and_kept_apart_per_database(tmp_path):
    """Without CACHE_URL: files under var/cache (every server process sees the same entries),
    with a key prefix named after the database, so two databases never share a user or a page."""
    code = (
        "from django.conf import settings as s; c = s.CACHES['default']; "
        "print(c['BACKEND'], c['KEY_PREFIX'], s.SESSION_ENGINE)"
    )
    out = []
    for name in ("a.sqlite3", "b.sqlite3"):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
            "DATABASE_URL": f"sqlite:///{tmp_path / name}",
        }
        for key in ("CACHE_URL", "REDIS_URL", "CACHE_KEY_PREFIX"):
            env.pop(key, None)
        done = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(done.stdout.split())
    (backend_a, prefix_a, sessions), (backend_b, prefix_b, _) = out
    assert backend_a == backend_b == "lms.core.cache.FileBasedCache"
    assert prefix_a != prefix_b
    assert sessions == "lms.core.sessions"
    assert settings.AUTHENTICATION_BACKENDS[-1] == "lms.core.auth.CachedModelBackend"


def test_a_database_made_afresh_does_not_inherit_cached_users(learner):
    from types import SimpleNamespace

    from django.core.cache import cache

    from lms.core.auth import forget_earlier_database, user_cache_key

    cache.set(user_cache_key(learner.pk), learner)
    later = [(SimpleNamespace(app_label="courses", name="0003_page_generation"), False)]
    forget_earlier_database(sender=None, plan=later)
    assert cache.get(user_cache_key(learner.pk)) is not None  # an upgrade keeps the cache
    fresh = [(SimpleNamespace(app_label="users", name="0001_initial"), False), *later]
    forget_earlier_database(sender=None, plan=fresh)
    assert cache.get(user_cache_key(learner.pk)) is None


def test_the_cached_user_keeps_its_menu_roles_but_never_its_agency_scopes(client, learner, tree):
    from django.core.cache import cache

    from lms.core.auth import user_cache_key

    role_assign(user=learner, role=Role.TRAINER, agency=tree["commune_a1"])
    client.force_login(learner)
    client.get("/account/")
    cached = cache.get(user_cache_key(learner.pk))
    assert Role.TRAINER in cached._lms_menu_roles
    assert not hasattr(cached, "_lms_role_scopes")


def test_a_cold_user_is_loaded_by_one_statement_like_the_model_backends(client, learner):
    from django.contrib.auth.backends import ModelBackend
    from django.core.cache import cache

    from lms.core.auth import CachedModelBackend, user_cache_key

    cache.delete(user_cache_key(learner.pk))
    with CaptureQueriesContext(connection) as captured:
        loaded = CachedModelBackend().get_user(str(learner.pk))  # as the session keeps it
    assert len([q for q in captured if '"users_user"' in q["sql"]]) == 1
    expected = ModelBackend().get_user(learner.pk)
    fields = [f.attname for f in type(learner)._meta.concrete_fields]
    assert [getattr(loaded, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert loaded._state.db == "default" and not loaded._state.adding
    # Kept in the cache with its menu roles: the next request reads no user row.
    assert cache.get(user_cache_key(learner.pk)).pk == learner.pk


def test_an_id_naming_no_user_or_no_number_finds_none(learner):
    from lms.core.auth import CachedModelBackend

    backend = CachedModelBackend()
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(str(learner.pk + 10_000)) is None
    learner.is_active = False
    learner.save()
    assert backend.get_user(str(learner.pk)) is None
