"""Production mode is strict: keys that look typed are refused, DEBUG is refused, the API docs are
off unless enabled, responses carry HSTS and the Content-Security-Policy, cookies are Secure and
HttpOnly, and the audit address comes from a trusted reverse proxy only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import RequestFactory, override_settings

from minzheng.core.keypolicy import data_key_problem, secret_key_problem
from minzheng.core.middleware import client_ip
from tests.fixtures.keys import STRONG_AUDIT_KEY, STRONG_DATA_KEY, STRONG_SECRET


def run_production(tmp_path, code: str, **env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "SECRET_KEY",
            "MINZHENG_DATA_KEY",
            "MINZHENG_AUDIT_KEY",
            "DEBUG",
            "MINZHENG_API_DOCS",
        )
    }
    clean.update(
        MINZHENG_MODE="production",
        SECRET_KEY=STRONG_SECRET,
        MINZHENG_DATA_KEY=STRONG_DATA_KEY,
        MINZHENG_AUDIT_KEY=STRONG_AUDIT_KEY,
        MINZHENG_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="minzheng.settings",
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "key, problem",
    [
        (STRONG_SECRET, None),
        (STRONG_SECRET[:49], "at least 50"),  # one character short
        ("s" * 60, "typed"),  # one distinct character
        ("correct-horse-battery-staple-" * 3, "typed"),  # 29 distinct characters, repeated
        ("Pa55word!" * 7, "typed"),
    ],
)
def test_secret_key_policy(key, problem):
    found = secret_key_problem(key)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(
    "key, problem",
    [
        (STRONG_DATA_KEY, None),
        (STRONG_DATA_KEY.rstrip("="), None),  # padding optional
        ("yWiG_GgSfJHDaog5TySo6A==", "decodes to 16"),  # 16 random bytes: too short
        (
            "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIDE=",
            "passphrase",
        ),  # "The quick brown fox jumps over 1"
        (
            "a2V5LWZvci10ZXN0cy1vbmx5LTMyLWJ5dGVzLWxvbmc=",
            "distinct",
        ),  # "key-for-tests-only-32-bytes-long"
        ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "distinct"),  # 32 zero bytes
        ("not base64 at all!", "must be urlsafe base64"),
    ],
)
def test_data_key_policy(key, problem):
    found = data_key_problem(key)
    assert (found is None) if problem is None else (problem in found), found


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SECRET_KEY": "x7" * 20}, "at least 50"),
        ({"SECRET_KEY": "s" * 50}, "typed"),
        ({"MINZHENG_DATA_KEY": "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIDE="}, "passphrase"),
        ({"DEBUG": "1"}, "DEBUG must not be set"),
    ],
)
def test_production_refuses_weak_keys_and_debug(tmp_path, env, message):
    proc = run_production(tmp_path, "", **env)
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr[-2000:]


HEADERS = """
import json
from django.test import Client
from django.conf import settings
c = Client()
page = c.get("/login/", secure=True)
plain = c.get("/login/")
print(json.dumps({
    "debug": settings.DEBUG,
    "hsts": page.headers.get("Strict-Transport-Security"),
    "hsts_plain": plain.headers.get("Strict-Transport-Security"),
    "csp": page.headers.get("Content-Security-Policy"),
    "csrf_cookie": {k: bool(page.cookies["csrftoken"][k]) for k in ("secure", "httponly")},
    "session": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
    "docs": c.get("/api/docs", secure=True).status_code,
    "openapi": c.get("/api/openapi.json", secure=True).status_code,
}))
"""


def test_production_responses_carry_hsts_csp_and_secure_cookies(tmp_path):
    proc = run_production(tmp_path, HEADERS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["debug"] is False
    assert got["hsts"] == "max-age=31536000" and got["hsts_plain"] is None  # HSTS only over HTTPS
    assert "script-src 'self'" in got["csp"] and "unsafe-eval" not in got["csp"]
    assert (
        "'unsafe-inline'" not in got["csp"].split("style-src-attr")[0]
    )  # inline scripts and <style> never
    assert got["csrf_cookie"] == {"secure": True, "httponly": True}
    assert got["session"] == [True, True]
    assert (got["docs"], got["openapi"]) == (404, 404)


def test_production_serves_api_docs_only_when_enabled(tmp_path):
    proc = run_production(tmp_path, HEADERS, MINZHENG_API_DOCS="1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (got["docs"], got["openapi"]) == (200, 200)


@pytest.mark.parametrize(
    "trusted, hops, remote, forwarded, expected",
    [
        (
            [],
            1,
            "203.0.113.9",
            "198.51.100.7",
            "203.0.113.9",
        ),  # no proxy configured: header ignored
        (
            ["10.0.0.5"],
            1,
            "203.0.113.9",
            "198.51.100.7",
            "203.0.113.9",
        ),  # not from the proxy: header ignored
        (["10.0.0.5"], 1, "10.0.0.5", "198.51.100.7", "198.51.100.7"),  # from the proxy: its client
        (
            ["10.0.0.0/24"],
            1,
            "10.0.0.5",
            "6.6.6.6, 198.51.100.7",
            "198.51.100.7",
        ),  # client-written entry skipped
        (
            ["10.0.0.0/24"],
            2,
            "10.0.0.5",
            "6.6.6.6, 198.51.100.7, 10.0.0.9",
            "198.51.100.7",
        ),  # two proxies
        (["10.0.0.5"], 1, "10.0.0.5", "", "10.0.0.5"),  # no header: the proxy itself
    ],
)
def test_audit_address_honours_only_trusted_proxies(trusted, hops, remote, forwarded, expected):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    with override_settings(TRUSTED_PROXIES=trusted, PROXY_HOPS=hops):
        assert client_ip(request) == expected


@pytest.mark.django_db
def test_login_audit_records_the_client_behind_the_proxy(client, settings):
    from minzheng.core.models import AuditEvent

    from .conftest import PASSWORD, make_user

    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    make_user("proxied", "admin")
    client.post(
        "/login/",
        {"username": "proxied", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    event = AuditEvent.objects.filter(action="login").latest("seq")
    assert (event.actor_name, event.ip) == ("proxied", "198.51.100.7")
