"""The standard catalogue of relief supplies (the items a depot keeps), loaded by a migration.
The names are data (administrators may edit them), not interface text."""

# code, name, unit, perishable
ITEMS = [
    ("ZP01", "帐篷", "顶", False),
    ("MB01", "棉被", "床", False),
    ("MY01", "棉大衣", "件", False),
    ("FZ01", "棉衣裤", "套", False),
    ("ZC01", "折叠床", "张", False),
    ("DJ01", "应急照明灯", "盏", False),
    ("SD01", "方便食品", "箱", True),
    ("YS01", "瓶装饮用水", "箱", True),
    ("MT01", "毛毯", "条", False),
    ("SH01", "睡袋", "个", False),
]


def load_catalogue(Item) -> None:
    """Add the standard items not there yet (by code), leaving edited ones alone."""
    Item.objects.bulk_create(
        [
            Item(code=code, name=name, unit=unit, perishable=perishable)
            for code, name, unit, perishable in ITEMS
        ],
        ignore_conflicts=True,
    )
