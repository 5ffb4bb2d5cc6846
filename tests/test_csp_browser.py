"""The main pages of every role, loaded in headless Chromium under the production
Content-Security-Policy, raise no CSP violation: no inline script, no inline handler, no eval,
no injected <style>, nothing loaded from elsewhere.

Each account signs in (its sign-in and workbench are always checked), then opens its menu entries,
the entries of each menu group and the first record each page lists, every page address shape
(ids as N) once over all accounts: what the markup of every page for every role shows is checked
without a browser by tests/test_page_scan.py; here Chromium adds what only running the page shows
(scripts, htmx swaps, eval), which does not depend on who looks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from minzheng import settings as settings_module
from minzheng.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgresql_pass,
    pytest.mark.django_db(transaction=True),
]

# Recorded by the page itself; init scripts run outside the page's CSP.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


class Watch:
    """Collects one page's CSP violations from the console and from securitypolicyviolation
    events (the context records those with RECORD_VIOLATIONS)."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.on(
            "console",
            lambda msg: (
                self.console.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )

    def violations(self) -> list[str]:
        return self.console + (self.page.evaluate("window.__csp || []") or [])


def visit_all(context, urls: list[str], seen: dict) -> list:
    """Load every URL in a tab of its own, all at once (each waits for the network to be idle, and
    those waits overlap), and check each page: status 200, the production policy, no violation.
    Returns the tabs' watches, the tabs still open."""
    tabs = []
    for url in urls:
        watch = Watch(context.new_page())
        tabs.append((url, watch, watch.page.goto(url, wait_until="commit")))
    for url, watch, response in tabs:
        watch.page.wait_for_load_state("networkidle")
        assert response.status == 200, f"{url}: {response.status}"
        assert (
            response.headers["content-security-policy"] == settings_module.CONTENT_SECURITY_POLICY
        )
        found = watch.violations()
        if found:
            seen[url] = found
    return [watch for _url, watch, _response in tabs]


# Files, not pages (exports, PDFs), and forms that act on a record.
NOT_A_PAGE = re.compile(
    r"\.(csv|xlsx|pdf|json)$|/(export|download|pdf)(/|$)|/act/|^/(logout|admin|api)"
)


class Shapes:
    """Page addresses by shape (digits as N, the query's keys), each let through once."""

    def __init__(self):
        self.done: set[str] = set()

    def fresh(self, urls: list[str]) -> list[str]:
        out = []
        for url in urls:
            parts = urlsplit(url)
            if NOT_A_PAGE.search(parts.path):
                continue
            keys = sorted(k.split("=")[0] for k in parts.query.split("&") if k)
            shape = re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)
            if shape not in self.done:
                self.done.add(shape)
                out.append(url)
        return out


def _links(tabs, selector: str, base: str) -> list[str]:
    found = []
    for tab in tabs:
        found += [base + a.get_attribute("href") for a in tab.page.locator(selector).all()]
    return found


def test_every_main_page_satisfies_the_content_security_policy(demo_city, live_server, browser):
    seen: dict[str, list[str]] = {}
    shapes = Shapes()
    visited = 0
    for username, *_ in DEMO_ACCOUNTS:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        context.add_init_script(RECORD_VIOLATIONS)
        [login] = visit_all(context, [f"{live_server.url}/login/"], seen)
        page = login.page
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")
        page.wait_for_load_state("networkidle")
        if found := login.violations():  # the sign-in and the workbench it leads to
            seen[page.url] = found
        base = live_server.url
        # Every menu entry, the entries of each group's second row, then the first record each
        # page lists (a person, household, case, payroll, target...).
        listed = visit_all(context, shapes.fresh(_links([login], "nav.nav a", base)), seen)
        listed += visit_all(context, shapes.fresh(_links(listed, "nav.subnav a", base)), seen)
        details = shapes.fresh(_links(listed, "main table tbody tr:first-child a[href^='/']", base))
        visit_all(context, details, seen)
        visited += len(listed) + len(details)
        context.close()
    assert visited >= 30, visited
    assert not seen, "\n".join(f"{url}: {v}" for url, vs in seen.items() for v in vs)

    # The detector itself: an inline script added to a page is reported.
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(RECORD_VIOLATIONS)
    watch = Watch(context.new_page())
    page = watch.page
    page.goto(f"{live_server.url}/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.head.appendChild(s); }"
    )
    # Polled from a function, not wait_for_function("..."): a string predicate needs eval(), which the CSP forbids.
    page.evaluate(
        "() => new Promise(done => { const poll = () => (window.__csp.length ? done() : setTimeout(poll, 50)); poll(); })"
    )
    assert any("script-src" in v for v in watch.violations()), watch.violations()
    context.close()
