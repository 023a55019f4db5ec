"""A session read from the cache brings its user in the same round trip (lms/core/sessions.py),
and the user so read is never another's nor older than the cache's."""

import pytest
from django.core.cache import caches

from lms.core import sessions
from lms.core.auth import user_cache_key


@pytest.fixture
def cache_reads(monkeypatch):
    """Every read of the shared cache, as (method, keys)."""
    reads = []
    backend = caches["default"]
    real_get, real_get_many = backend.get, backend.get_many

    inside = []  # the local memory cache's get_many calls get for each key: one call still

    def get(key, *args, **kwargs):
        if not inside:
            reads.append(("get", (key,)))
        return real_get(key, *args, **kwargs)

    def get_many(keys, *args, **kwargs):
        reads.append(("get_many", tuple(keys)))
        inside.append(1)
        try:
            return real_get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    monkeypatch.setattr(backend, "get", get)
    monkeypatch.setattr(backend, "get_many", get_many)
    return reads


@pytest.fixture(autouse=True)
def _fresh_owners():
    sessions.owners.clear()
    yield
    sessions.owners.clear()


def test_a_known_session_reads_its_user_in_the_same_cache_call(client, learner, cache_reads):
    client.force_login(learner)
    assert client.get("/account/").status_code == 200  # session and user cached, owner learnt
    cache_reads.clear()
    response = client.get("/account/")
    assert response.status_code == 200 and learner.display_name in response.content.decode()
    user_key = user_cache_key(learner.pk)
    session_key = client.session.cache_key
    assert cache_reads[0] == ("get_many", (session_key, user_key))
    assert all(user_key not in keys for method, keys in cache_reads[1:])
    assert all(session_key not in keys for method, keys in cache_reads[1:])


def test_a_change_to_the_user_shows_on_the_next_request(client, learner):
    client.force_login(learner)
    client.get("/account/")
    client.get("/account/")
    learner.full_name = "Trần Văn Đổi Tên"
    learner.save()  # forgets the cached user
    assert "Trần Văn Đổi Tên" in client.get("/account/").content.decode()
    learner.is_active = False
    learner.save()
    assert client.get("/account/").status_code == 302


def test_a_new_login_in_the_same_browser_is_the_new_user(client, learner, make_user, tree):
    other = make_user(agency=tree["commune_b1"], full_name="Lê Thị Khác")
    client.force_login(learner)
    client.get("/account/")
    client.get("/account/")
    client.force_login(other)
    html = client.get("/account/").content.decode()
    assert "Lê Thị Khác" in html and learner.display_name not in html


def test_a_prefetched_user_is_handed_over_once_and_only_for_its_id(learner):
    token = sessions._prefetched.set((str(learner.pk), learner))
    try:
        assert sessions.take_prefetched_user(learner.pk + 1) is None
        sessions._prefetched.set((str(learner.pk), learner))
        assert sessions.take_prefetched_user(learner.pk) is learner
        assert sessions.take_prefetched_user(learner.pk) is None
    finally:
        sessions._prefetched.reset(token)
