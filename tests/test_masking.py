"""How a name is shown to those who may not know who it is: one rule for every module."""

import pytest

from minzheng.people.selectors import masked_name

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize(
    "name, keep_last, shown",
    [
        ("张三", False, "张*"),
        ("张三丰", False, "张**"),
        ("欧阳明华", False, "欧***"),
        ("王", False, "王*"),  # even a one-character name is never shown whole
        ("", False, ""),
        (" 李四 ", False, "李*"),
        # On published lists (disaster relief) names of three characters or more keep the last.
        ("张三", True, "张*"),
        ("张三丰", True, "张*丰"),
        ("欧阳明华", True, "欧**华"),
    ],
)
def test_masked_name(name, keep_last, shown):
    assert masked_name(name, keep_last=keep_last) == shown
