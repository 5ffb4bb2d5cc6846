"""Layout in headless Chromium: the whole top menu is visible at 1366 px in Chinese and in English
(the administrator has the longest menu); on a phone the menu scrolls sideways and says so with a
fade at its edge, and the controls are tap targets of at least 44 px."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser, live_server, *, width, language, mobile=False):
    context = browser.new_context(
        viewport={"width": width, "height": 900 if not mobile else 844},
        is_mobile=mobile,
        has_touch=mobile,
        locale="zh-CN" if language == "zh-hans" else "en-US",
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector(".nav ul li")
    return page


def test_menu_fits_at_1366_in_both_languages_and_scrolls_with_a_hint_on_a_phone(
    users, live_server, browser
):
    for language in ("zh-hans", "en"):
        page = _signed_in(browser, live_server, width=1366, language=language)
        items = page.locator(".nav ul li a")
        assert items.count() >= 8
        # Nothing hidden behind a scroll: every entry lies inside the menu and the window.
        assert page.evaluate(
            "(() => { const u = document.querySelector('.nav ul'); return u.scrollWidth <= u.clientWidth })()"
        )
        for box in (items.nth(i).bounding_box() for i in range(items.count())):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, (language, box)
    phone = _signed_in(browser, live_server, width=390, language="en", mobile=True)
    assert phone.evaluate(
        "(() => { const u = document.querySelector('.nav ul'); return u.scrollWidth > u.clientWidth })()"
    )
    fade = phone.evaluate(
        "getComputedStyle(document.querySelector('.nav'), '::after').backgroundImage"
    )
    assert "gradient" in fade
    heights = phone.evaluate(
        "[...document.querySelectorAll('.nav ul li a, .who .controls button')].map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights
