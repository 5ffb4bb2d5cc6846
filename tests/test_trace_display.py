"""Stored calculation traces are shown in the reader's language, with flags and codes in words."""

import pytest
from django.utils import translation

from minzheng.assistance.display import trace_label, trace_value

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize(
    "language, value, shown",
    [
        ("zh-hans", "true", "是"),
        ("zh-hans", "false", "否"),
        ("en", "true", "Yes"),
        ("en", "false", "No"),
        ("zh-hans", "preferential_pension,funeral_grant", "优抚对象抚恤金和补助、丧葬补助"),
        (
            "en",
            "preferential_pension,funeral_grant",
            "Preferential-care pensions and subsidies, Funeral grants",
        ),
        ("en", "extreme_hardship", "Recognised extreme-hardship households"),
        ("zh-hans", "dibao_urban", "城市最低生活保障"),
        # Figures and unknown codes are left as they are.
        ("en", "480.00", "480.00"),
        ("en", "3", "3"),
        ("en", "not_a_known_code", "not_a_known_code"),
        ("en", "", ""),
    ],
)
def test_trace_values(language, value, shown):
    with translation.override(language):
        assert trace_value(value) == shown


@pytest.mark.parametrize(
    "label, english",
    [
        ("人均月收入低于月低保标准", None),
        ("适用标准：低保标准", None),
        ("分类施保增发：第2名成员（老年人）", None),
        ("第1名成员自理能力：部分丧失生活自理能力（六项中2项不能自理）", None),
    ],
)
def test_trace_labels_are_translated_including_formatted_ones(label, english):
    with translation.override("zh-hans"):
        assert trace_label(label) == label
    with translation.override("en"):
        shown = trace_label(label)
    assert shown != label and not any("\u4e00" <= ch <= "\u9fff" for ch in shown), shown
