"""Every main page of every role, loaded in headless Chromium under the production
Content-Security-Policy, raises no CSP violation: no inline script, no inline handler, no eval,
no injected <style>, nothing loaded from elsewhere."""

from __future__ import annotations

import pytest

from minzheng import settings as settings_module
from minzheng.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded by the page itself; init scripts run outside the page's CSP.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def demo(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_demo_data(persons=1000, seed=11, out_root=tmp_path, log=lambda message: None)


class Watch:
    """Collects CSP violations from the console and from securitypolicyviolation events."""

    def __init__(self, context):
        self.console: list[str] = []
        context.add_init_script(RECORD_VIOLATIONS)
        context.on(
            "console",
            lambda msg: (
                self.console.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )

    def violations(self, page) -> list[str]:
        return self.console + (page.evaluate("window.__csp || []") or [])


def visit(page, watch, url: str, seen: dict) -> None:
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, f"{url}: {response.status}"
    assert response.headers["content-security-policy"] == settings_module.CONTENT_SECURITY_POLICY
    found = watch.violations(page)
    if found:
        seen[url] = found
        watch.console.clear()


def test_every_main_page_satisfies_the_content_security_policy(demo, live_server, browser):
    seen: dict[str, list[str]] = {}
    visited = 0
    for username, *_ in DEMO_ACCOUNTS:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        watch = Watch(context)
        page = context.new_page()
        visit(page, watch, f"{live_server.url}/login/", seen)
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")
        nav = [a.get_attribute("href") for a in page.locator("nav.nav a").all()]
        for href in nav:
            visit(page, watch, live_server.url + href, seen)
            visited += 1
            # and the first record the page lists (a person, household, case, payroll, target...)
            detail = page.locator("main table tbody a[href^='/']").first
            if detail.count():
                visit(page, watch, live_server.url + detail.get_attribute("href"), seen)
                visited += 1
        context.close()
    assert visited >= 30, visited
    assert not seen, "\n".join(f"{url}: {v}" for url, vs in seen.items() for v in vs)

    # The detector itself: an inline script added to a page is reported.
    context = browser.new_context(locale="zh-CN")
    watch = Watch(context)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.head.appendChild(s); }"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert any("script-src" in v for v in watch.violations(page)), watch.violations(page)
    context.close()
