"""Every page of the demo, for every demo account, in Chinese and in English, shows no internal
code: no snake_case tokens, no True/False, no Python reprs, no server error; and in English no
Chinese text except personal and place data (names, addresses, what people typed). Each page's
markup also keeps to the Content-Security-Policy (no inline script or <style>, no inline event
handler, no javascript: address, nothing loaded from another site); tests/test_csp_browser.py
checks in Chromium what the markup alone cannot show.

The crawl starts at the workbench and follows the links of each page it reaches (menus, workbench
cards, lists to their detail pages), one page per URL shape (digits stand for ids), on the demo
city set up by the demo command's own code (tests/fixtures/demo.py)."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.apps import apps
from django.db import models

from minzheng.accounts.models import User
from minzheng.demo.data import DEMO_ACCOUNTS

SKIP = re.compile(
    r"^/(logout|i18n|api|admin|static|media|healthz)|\.(csv|xlsx|pdf|json)$|/(export|download|pdf)(/|$)|/act/"
)
SNAKE = re.compile(r"(?<![\w./:@#=-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./:@=-])")
BOOLEAN = re.compile(r"\b(True|False)\b")
REPR = re.compile(
    r"<[A-Za-z_][\w.]* object at 0x|<QuerySet|\{'\w+': |\[\{'|Decimal\('|datetime\.(date|datetime)\(|Traceback \(most|"
    r"\bNone\b(?=\s*[<,)\]]|$)|\bdict_(keys|values|items)\("
)
CJK = re.compile(r"[\u3400-\u9fff]+")
DATA_SCRIPTS = {"application/json", "application/ld+json"}
OTHER_SITE = re.compile(r"^(https?:)?//", re.I)
# Chinese kept on purpose in English: the example of searching people by a Chinese name.
CHINESE_EXAMPLES = {"张三"}
MAX_PAGES = 90


class PageText(HTMLParser):
    """Visible text and what assistive technology reads (titles, placeholders, labels), and links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[str] = []
        self.policy: list[str] = []  # what the Content-Security-Policy would block
        self._skip = 0
        self._chinese: list[str] = []  # open elements marked lang="zh…" (the 中文 language switch)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._check_policy(tag, attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        if (attrs.get("lang") or "").startswith("zh") and tag != "html":
            self._chinese.append(tag)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.chunks.append(attrs[name])

    def _check_policy(self, tag: str, attrs: dict) -> None:
        if tag == "script" and not attrs.get("src") and attrs.get("type") not in DATA_SCRIPTS:
            self.policy.append("inline script")
        if tag == "style":
            self.policy.append("inline <style>")
        for name, value in attrs.items():
            if name.startswith("on") or name.startswith("hx-on"):
                self.policy.append(f"inline handler {name}")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.policy.append(f"javascript: in {name}")
        loaded = attrs.get("src") if tag != "a" else None
        if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            loaded = attrs.get("href")
        if loaded and OTHER_SITE.match(loaded):
            self.policy.append(f"{tag} from another site {loaded}")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1
        if self._chinese and self._chinese[-1] == tag:
            self._chinese.pop()

    def handle_data(self, data):
        if not self._skip and data.strip() and not self._chinese:
            self.chunks.append(data.strip())


def _data_blob() -> str:
    """Every free-text value stored in the database (names, addresses, notes, region and unit
    names, seeded plan texts): Chinese there is data, not an untranslated label. Fields with
    choices are labels and stay out, and so are the programmes' names: the code defines them and
    pages show them through the catalogue."""
    values = set()
    for model in apps.get_models():
        if (
            not model.__module__.startswith("minzheng.")
            or model._meta.label == "assistance.Programme"
        ):
            continue
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices and f.concrete
        ]
        for name in fields:
            for value in (
                model.objects.exclude(**{name: ""}).values_list(name, flat=True).distinct()[:50000]
            ):
                if value and CJK.search(value):
                    values.add(value)
    return "\n".join(values)


def _shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted(
        k.split("=")[0] for k in parts.query.split("&") if k and not k.startswith("page=")
    )
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def _problems(text: str, *, language: str, blob: str, usernames: set[str]) -> list[str]:
    found = []
    for token in SNAKE.findall(text):
        if token not in usernames:
            found.append(f"code {token!r}")
    found += [f"boolean {m!r}" for m in BOOLEAN.findall(text)]
    if language == "zh-hans":
        found += [f"boolean {m!r}" for m in re.findall(r"\b(true|false|None)\b", text)]
    found += [f"repr {m.group(0)!r}" for m in REPR.finditer(text)]
    if language == "en":
        found += [
            f"untranslated {run!r}"
            for run in CJK.findall(text)
            if run not in blob and run not in CHINESE_EXAMPLES
        ]
    return found


def crawl(
    client, *, language: str, blob: str, usernames: set[str], start: str = "/"
) -> tuple[dict[str, list[str]], int]:
    """(problems by URL, pages seen) for the logged-in client."""
    client.cookies["django_language"] = language
    seen_shapes, problems, queue, pages = set(), {}, deque([start]), 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        shape = _shape(url)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = client.get(url)
        if response.status_code >= 500:
            problems[url] = [f"status {response.status_code}"]
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        parser = PageText()
        parser.feed(response.content.decode())
        text = "\n".join(parser.chunks)
        found = _problems(text, language=language, blob=blob, usernames=usernames)
        found += [f"policy: {p}" for p in parser.policy]
        if found:
            problems[url] = sorted(set(found))
        for href in parser.links:
            parts = urlsplit(href)
            if (
                parts.scheme
                or parts.netloc
                or not parts.path.startswith("/")
                or SKIP.search(parts.path)
            ):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if _shape(target) not in seen_shapes:
                queue.append(target)
    return problems, pages


def test_the_checks_catch_codes_booleans_reprs_and_untranslated_text():
    blob = "陈老太\n城南街社区"
    text = "status: in_service · True · <QuerySet [1]> · 陈老太 · 待审核 · city_section · a.b_c · x@y_z"
    found = _problems(text, language="en", blob=blob, usernames={"city_section"})
    assert found == [
        "code 'in_service'",
        "boolean 'True'",
        "repr '<QuerySet'",
        "untranslated '待审核'",
    ]
    assert _problems("服务中 · 否", language="zh-hans", blob="", usernames=set()) == []
    assert _problems("值 None", language="zh-hans", blob="", usernames=set()) == [
        "boolean 'None'",
        "repr 'None'",
    ]
    assert _shape("/cases/12/?page=2&status=x") == "/cases/N/?status"
    page = PageText()
    page.feed(
        '<html lang="en"><button lang="zh-CN">中文</button><p title="标题">Text <a href="/x/">待审核</a></p><script>var a_b = 1</script></html>'
    )
    assert page.chunks == ["标题", "Text", "待审核"] and page.links == ["/x/"]
    assert page.policy == ["inline script"]
    page = PageText()
    page.feed(
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
        '<button onclick="go()" hx-on:click="x()">b</button><a href="javascript:void(0)">a</a>'
        '<img src="https://tiles.example.com/1.png"><link rel="stylesheet" href="//cdn.example.com/a.css">'
        '<style>p{}</style><p style="width: 10%">kept: style attributes are allowed</p>'
    )
    assert page.policy == [
        "inline handler onclick",
        "inline handler hx-on:click",
        "javascript: in href",
        "img from another site https://tiles.example.com/1.png",
        "link from another site //cdn.example.com/a.css",
        "inline <style>",
    ]


def test_every_demo_page_in_both_languages_for_every_role(client, demo_city):
    blob = _data_blob()
    usernames = {username for username, *_ in DEMO_ACCOUNTS}
    report, total = [], 0
    for username, *_ in DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        for language in ("zh-hans", "en"):
            client.force_login(user)
            problems, pages = crawl(client, language=language, blob=blob, usernames=usernames)
            total += pages
            assert pages >= 3, (username, language, pages)
            report += [
                f"{username} [{language}] {url}: {', '.join(found[:8])}"
                for url, found in problems.items()
            ]
            client.logout()
    assert total > 200
    assert not report, (
        f"{len(report)} pages with internal codes or untranslated text:\n" + "\n".join(report)
    )
