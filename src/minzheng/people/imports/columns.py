"""The columns of an import file: headers and their aliases, the template's examples and hints,
and the words files use for hukou types, relations, sexes and disability types."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from minzheng.core import sheets

from ..models import DisabilityType, Relation, Sex, UrbanRural


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header of the template
    aliases: tuple[str, ...]
    required: bool = False
    example: str = ""
    hint: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "id_number",
        "身份证号码",
        ("id_number", "身份证号", "公民身份号码"),
        True,
        "420802199001011234",
        "18位，末位X须大写；请将本列设为文本格式",
    ),
    Column("name", "姓名", ("name",), True, "张三"),
    Column(
        "hukou_region",
        "户籍地区划代码",
        ("hukou_region", "区划代码", "户籍地代码"),
        True,
        "420802001001",
        "12位村（社区）代码或9位乡镇（街道）代码；户主须为村（社区）代码",
    ),
    Column("hukou_type", "户口性质", ("hukou_type", "户籍性质"), True, "城镇", "城镇或农村"),
    Column(
        "household_key",
        "家庭编号",
        ("household_key", "户编号"),
        False,
        "1",
        "本文件内的编号，同一家庭的成员填写相同编号；不填则只登记个人",
    ),
    Column(
        "relation",
        "与户主关系",
        ("relation",),
        False,
        "户主",
        "户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳女婿、其他",
    ),
    Column(
        "address", "住址", ("address", "家庭住址"), False, "龙泉街道象山社区1号", "同一家庭应一致"
    ),
    Column("bank_name", "开户银行", ("bank_name",), False, "荆门农商银行", "同一家庭应一致"),
    Column(
        "bank_account",
        "银行账号",
        ("bank_account", "银行卡号"),
        False,
        "6228480012345678901",
        "12至30位数字；请将本列设为文本格式",
    ),
    Column(
        "disability_type",
        "残疾类别",
        ("disability_type",),
        False,
        "",
        "视力、听力、言语、肢体、智力、精神、多重残疾",
    ),
    Column(
        "disability_grade",
        "残疾等级",
        ("disability_grade",),
        False,
        "",
        "1至4级，与残疾类别同时填写",
    ),
    Column("phone", "联系电话", ("phone", "电话", "手机号"), False, "13800000000"),
    Column(
        "birth_date",
        "出生日期",
        ("birth_date",),
        False,
        "1990-01-01",
        "可不填；填写时须与身份证号码一致",
    ),
    Column("sex", "性别", ("sex",), False, "男", "可不填；填写时须与身份证号码一致"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HOUSEHOLD_FIELDS = ("address", "bank_name", "bank_account")
MASKED_IN_REPORT = frozenset({"id_number", "bank_account"})


# "*身份证号码 " and "ID_Number" both match: required-markers, spaces and case are ignored.
header_key = sheets.header_key


HEADER_LOOKUP = {header_key(name): c.key for c in COLUMNS for name in (c.header, *c.aliases)}

HUKOU_TYPES = {
    "城镇": UrbanRural.URBAN,
    "城镇户口": UrbanRural.URBAN,
    "非农业": UrbanRural.URBAN,
    "非农业户口": UrbanRural.URBAN,
    "农村": UrbanRural.RURAL,
    "农村户口": UrbanRural.RURAL,
    "农业": UrbanRural.RURAL,
    "农业户口": UrbanRural.RURAL,
    "urban": UrbanRural.URBAN,
    "rural": UrbanRural.RURAL,
}
# Household registers (户口簿) name relations more finely than the registry keeps them.
RELATION_SYNONYMS = {
    "本人": Relation.HEAD,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "父": Relation.PARENT,
    "母": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "外祖父": Relation.GRANDPARENT,
    "外祖母": Relation.GRANDPARENT,
    "兄": Relation.SIBLING,
    "弟": Relation.SIBLING,
    "姐": Relation.SIBLING,
    "妹": Relation.SIBLING,
    "儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
}
CHINESE_GRADES = {"一": 1, "二": 2, "三": 3, "四": 4}
SEXES = {
    "男": Sex.MALE,
    "女": Sex.FEMALE,
    "m": Sex.MALE,
    "f": Sex.FEMALE,
    "male": Sex.MALE,
    "female": Sex.FEMALE,
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def relations() -> dict[str, str]:
    # Files are written with the Chinese labels whatever language the importing user reads.
    with translation.override(None):
        table = {str(label): value for value, label in Relation.choices}
    table.update({value: value for value in Relation.values})
    table.update(RELATION_SYNONYMS)
    return table


def disability_types() -> dict[str, str]:
    table = {}
    with translation.override(None):
        labels = [(value, str(label)) for value, label in DisabilityType.choices]
    for value, label in labels:
        table[label] = value
        table[label.removesuffix("残疾")] = value
        table[value] = value
    return table
