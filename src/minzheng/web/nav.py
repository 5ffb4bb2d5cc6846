"""The main navigation. Each module adds its own entries, usually from its AppConfig.ready():

    from minzheng.web import nav
    nav.register(gettext_lazy("救助申请"), "cases:list", prefix="/cases/", order=40,
                 visible=lambda user: user.is_staff_role)

Entries are shown in `order`; the entry whose prefix is the longest match of the current path is
marked as the current section.

An entry may belong to a group of the business (`group="assistance"`, the groups below). A user
who sees few entries gets them all in one row; one who sees more (a county approver sees two
dozen) gets a row of groups, each leading to its first entry, and under it a row with the entries
of the current page's group. A group of one visible entry shows that entry itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minzheng.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    prefix: str
    order: int
    visible: Callable[[object], bool]
    group: str = ""


@dataclass(frozen=True)
class NavGroup:
    label: str
    order: int


# The business areas of the plan; a group takes its place in the row by `order`.
GROUPS: dict[str, NavGroup] = {
    "registry": NavGroup(_("人口与区划"), 10),
    "assistance": NavGroup(_("社会救助"), 40),
    "affairs": NavGroup(_("社会事务"), 47),
    "veterans": NavGroup(_("优抚安置"), 49),
    "governance": NavGroup(_("基层治理"), 52),
    "supervision": NavGroup(_("目标督办"), 60),
    "voice": NavGroup(_("群众诉求"), 90),
}
# Up to this many entries a user's menu stays one flat row.
FLAT_MENU_MAX = 12

_ITEMS: dict[str, NavItem] = {}


def register(
    label,
    url_name: str,
    *,
    prefix: str,
    order: int = 100,
    visible: Callable[[object], bool] = lambda user: True,
    group: str = "",
) -> None:
    """Add (or replace, by url_name) one entry of the main navigation, in `group` if given (a key
    of GROUPS)."""
    if group and group not in GROUPS:
        raise ValueError(f"unknown navigation group {group!r}")
    _ITEMS[url_name] = NavItem(label, url_name, prefix, order, visible, group)


_URLS: dict[tuple, str | None] = {}


def _url(url_name: str) -> str | None:
    """The entry's address, reversed once per URL configuration and script prefix (every page
    draws the menu)."""
    key = (url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    if key not in _URLS:
        try:
            _URLS[key] = reverse(url_name)
        except NoReverseMatch:  # a module whose pages are not mounted in this deployment
            _URLS[key] = None
    return _URLS[key]


def items_for(request) -> list[dict]:
    """The top row of the menu: entries, or groups with their entries as `children` (the
    current group's children are the second row)."""
    user = request.user
    shown = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.url_name)):
        if not item.visible(user):
            continue
        url = _url(item.url_name)
        if url is None:
            continue
        shown.append(
            {
                "label": item.label,
                "url": url,
                "prefix": item.prefix,
                "current": False,
                "group": item.group,
                "order": item.order,
                "children": [],
            }
        )
    path = request.path
    matches = [
        e
        for e in shown
        if (path == e["prefix"] if e["prefix"] == "/" else path.startswith(e["prefix"]))
    ]
    if matches:
        max(matches, key=lambda e: len(e["prefix"]))["current"] = True
    if len(shown) <= FLAT_MENU_MAX:
        return shown
    return _grouped(shown)


def _grouped(entries: list[dict]) -> list[dict]:
    row: list[dict] = []
    groups: dict[str, dict] = {}
    for entry in entries:
        key = entry["group"]
        if not key:
            row.append(entry)
            continue
        if key not in groups:
            groups[key] = {
                "label": GROUPS[key].label,
                "url": entry["url"],
                "prefix": "",
                "current": False,
                "group": key,
                "order": GROUPS[key].order,
                "children": [],
            }
            row.append(groups[key])
        group = groups[key]
        group["children"].append(entry)
        group["current"] = group["current"] or entry["current"]
    row = [g["children"][0] if len(g["children"]) == 1 else g for g in row]
    return sorted(row, key=lambda e: e["order"])


def current_children(items: list[dict]) -> list[dict]:
    """The second row: the entries of the current group, if the current page is in one."""
    return next((i["children"] for i in items if i["current"] and i["children"]), [])


def _staff(user) -> bool:
    return user.is_staff_role


def _registry(user) -> bool:
    return user.is_staff_role or user.role == Role.RESIDENT


def _writer(user) -> bool:
    return user.is_staff_role and user.can_write


register(_("工作台"), "web:workbench", prefix="/", order=0)
register(
    _("行政区划"),
    "web:region_index",
    prefix="/regions/",
    order=10,
    visible=_staff,
    group="registry",
)
# Residents reach their own person and household from the workbench; the registries are staff menus.
register(
    pgettext_lazy("nav", "人员"),
    "web:person_list",
    prefix="/people/",
    order=20,
    visible=_staff,
    group="registry",
)
register(
    pgettext_lazy("nav", "家庭"),
    "web:household_list",
    prefix="/households/",
    order=30,
    visible=_staff,
    group="registry",
)
register(
    _("批量导入"),
    "web:person_import",
    prefix="/people/import/",
    order=80,
    visible=_writer,
    group="registry",
)
register(_("任务"), "web:job_list", prefix="/jobs/", order=90, visible=_staff)
register(
    _("系统管理"),
    "admin:index",
    prefix="/admin/",
    order=100,
    visible=lambda user: user.is_superuser,
)
