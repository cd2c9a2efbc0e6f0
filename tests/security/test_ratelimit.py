"""The one rate-limit mechanism: real client address behind trusted proxies, atomic counting, scopes."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import Client, RequestFactory

from security import ratelimit
from subjects.models import DataSubject
from tests.conftest import require_redis

pytestmark = pytest.mark.django_db


def _request(remote: str, xff: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return RequestFactory().post("/requests/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.MEDPRIVACY_TRUSTED_PROXIES = 0
    assert ratelimit.client_ip(_request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_behind_one_proxy_the_client_is_the_address_it_appended(settings):
    settings.MEDPRIVACY_TRUSTED_PROXIES = 1
    assert ratelimit.client_ip(_request("10.0.0.2", "203.0.113.1")) == "203.0.113.1"
    # A client writing its own X-Forwarded-For does not choose its address.
    assert ratelimit.client_ip(_request("10.0.0.2", "192.0.2.66, 203.0.113.1")) == "203.0.113.1"
    settings.MEDPRIVACY_TRUSTED_PROXIES = 2
    assert ratelimit.client_ip(_request("10.0.0.3", "192.0.2.66, 203.0.113.1, 10.0.0.2")) == "203.0.113.1"


def test_requesters_behind_the_load_balancer_each_have_their_own_allowance(settings):
    from tests.requests_app.test_intake_views import FORM, form_data

    settings.MEDPRIVACY_TRUSTED_PROXIES = 1
    settings.MEDPRIVACY_SUBMISSIONS_PER_IP_PER_HOUR = 1
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    first = Client(**balancer, HTTP_X_FORWARDED_FOR="203.0.113.1")
    second = Client(**balancer, HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert first.post(FORM, form_data(email="a@example.com")).status_code == 302
    assert second.post(FORM, form_data(email="b@example.com")).status_code == 302
    assert first.post(FORM, form_data(email="c@example.com")).status_code == 429
    assert DataSubject.objects.count() == 2


def test_concurrent_requests_never_exceed_the_limit(settings):
    require_redis()  # the shared cache whose INCR is atomic across processes
    settings.MEDPRIVACY_RATE_LIMITS = {**settings.MEDPRIVACY_RATE_LIMITS, "test.burst": "10/h"}
    allowed = []
    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait()
        for _ in range(5):
            if not ratelimit.rate_limit_hit(_request("198.51.100.9"), scope="test.burst").limited:
                allowed.append(1)
        connections.close_all()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 10  # 40 attempts, exactly the limit got through


def test_every_anonymous_write_counts_against_one_allowance(settings):
    settings.MEDPRIVACY_RATE_LIMITS = {**settings.MEDPRIVACY_RATE_LIMITS, "public.write": "3/h"}
    client = Client(REMOTE_ADDR="198.51.100.50")
    paths = ["/requests/new-link/", "/privacy-choices/", "/requests/", "/fulfilment/callback/x/"]
    statuses = [client.post(path, {"email": "nope"}).status_code for path in paths]
    assert statuses[:3] != [429, 429, 429] and statuses[3] == 429
    assert Client(REMOTE_ADDR="198.51.100.51").post(paths[0], {"email": "nope"}).status_code == 400


def test_the_consent_api_is_rate_limited_per_client(settings, client):
    settings.MEDPRIVACY_RATE_LIMITS = {**settings.MEDPRIVACY_RATE_LIMITS, "consents.api": "2/m"}
    assert client.get("/api/consents/v1/permitted").status_code == 401
    assert client.get("/api/consents/v1/permitted").status_code == 401
    limited = client.get("/api/consents/v1/permitted")
    assert limited.status_code == 429 and "Too many requests" in limited.json()["error"]
    assert int(limited["Retry-After"]) > 0


def test_preference_links_are_limited_per_client_as_well_as_per_address(settings):
    settings.MEDPRIVACY_RATE_LIMITS = {**settings.MEDPRIVACY_RATE_LIMITS, "consents.link.ip": "2/h"}
    client = Client(REMOTE_ADDR="198.51.100.60")
    for n in range(2):
        assert client.post("/privacy-choices/", {"email": f"p{n}@example.com"}).status_code == 200
    assert client.post("/privacy-choices/", {"email": "p3@example.com"}).status_code == 429


def test_rate_limit_keys_hold_no_address(settings):
    from django.core.cache import cache

    require_redis()
    ratelimit.rate_limit_hit(_request("198.51.100.7"), scope="intake.submit.email",
                             value=ratelimit.email_key("ann@example.com"))
    keys = [key.decode() if isinstance(key, bytes) else key
            for key in cache._cache.get_client().keys("*")]
    assert keys and not [key for key in keys if "ann" in key or "198.51" in key]


def test_the_machine_apis_count_under_their_own_scopes_not_the_anonymous_write_allowance(settings):
    settings.MEDPRIVACY_RATE_LIMITS = {**settings.MEDPRIVACY_RATE_LIMITS, "public.write": "2/h"}
    client = Client(REMOTE_ADDR="198.51.100.70")
    # An agent's (here unsigned, refused) DRP calls are not the browser allowance's to stop.
    assert [client.post("/v1/data-rights-request", b"{}", content_type="application/json").status_code
            for _ in range(4)] == [403, 403, 403, 403]
    assert [client.post("/requests/new-link/", {"email": "nope"}).status_code for _ in range(3)][-1] == 429


def test_several_scopes_counted_together_stay_exact_under_concurrency(settings):
    require_redis()
    settings.MEDPRIVACY_RATE_LIMITS = {**settings.MEDPRIVACY_RATE_LIMITS, "test.ip": "12/h", "test.email": "1000/h"}
    allowed = []
    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait()
        for _ in range(5):
            checks = [("test.ip", None), ("test.email", ratelimit.email_key("ada@example.com"))]
            if not ratelimit.rate_limit_hit_all(_request("198.51.100.10"), checks).limited:
                allowed.append(1)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 12  # 40 attempts, exactly the tighter limit got through
    # Both scopes counted every attempt, on the keys django-ratelimit's own reading uses.
    assert ratelimit.rate_limit_usage(_request("198.51.100.10"), scope="test.ip") == 40
    assert ratelimit.rate_limit_usage(_request("0.0.0.0"), scope="test.email",
                                      value=ratelimit.email_key("ada@example.com")) == 40


def test_all_scopes_of_a_request_cost_one_round_trip_to_redis(settings, monkeypatch):
    require_redis()
    import redis.client

    settings.MEDPRIVACY_RATE_LIMITS = {**settings.MEDPRIVACY_RATE_LIMITS, "test.a": "1/h", "test.b": "5/h",
                                       "test.c": "5/h"}
    calls = []
    real_execute, real_command = redis.client.Pipeline.execute, redis.client.Redis.execute_command

    def execute(self, *args, **kwargs):
        calls.append("pipeline")
        return real_execute(self, *args, **kwargs)

    def command(self, *args, **kwargs):
        if not isinstance(self, redis.client.Pipeline):
            calls.append(args[0])
        return real_command(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", execute)
    monkeypatch.setattr(redis.client.Redis, "execute_command", command)
    checks = [("test.a", None), ("test.b", None), ("test.c", "someone")]
    first = ratelimit.rate_limit_hit_all(_request("198.51.100.11"), checks)
    assert calls == ["pipeline"]
    second = ratelimit.rate_limit_hit_all(_request("198.51.100.11"), checks)
    assert not first.limited
    assert second.limited and second.scope == "test.a" and 1 <= second.retry_after <= 3600
    with pytest.raises(ratelimit.RateLimited) as raised:
        ratelimit.rate_limit_enforce_all(_request("198.51.100.11"), checks)
    assert raised.value.scope == "test.a"


def test_without_redis_the_file_cache_counts_the_same_scopes(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path)}}
    settings.MEDPRIVACY_RATE_LIMITS = {**settings.MEDPRIVACY_RATE_LIMITS, "test.a": "2/h", "test.b": "5/h"}
    checks = [("test.a", None), ("test.b", None)]
    results = [ratelimit.rate_limit_hit_all(_request("198.51.100.12"), checks) for _ in range(3)]
    assert [usage.limited for usage in results] == [False, False, True]
    assert results[2].scope == "test.a"
    assert ratelimit.rate_limit_usage(_request("198.51.100.12"), scope="test.b") == 3
