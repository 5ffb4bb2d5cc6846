"""Departmental sources: one schema per source, as the departments deliver them.

A schema names each column with its code (used in Parquet files and in the rules), its Chinese
header (accepted in CSV and Excel files) and its kind:

  id      a resident ID number (GB 11643). Never stored: an import keeps the keyed hash of it
          (`<prefix>_key`, see `minzheng.verification.keys`) and its masked form (`<prefix>_masked`),
          where the prefix is the column name without "id_number" ("id_number" -> id_key/id_masked,
          "spouse_id_number" -> spouse_key/spouse_masked).
  str     text; `choices` makes it a code list (the code or its Chinese label is accepted).
  date    a calendar day (2024-01-31, 2024/1/31, 20240131).
  month   a month (2024-01, 202401, or any day of it), stored as its first day.
  money   an amount in yuan with at most two decimals, stored as integer fen.
  int     a whole number.
  decimal a number (e.g. floor area).

Every stored batch file also carries `_batch` (the batch id) and `_row` (the record's 1-based
position in the delivered file), so a finding can cite the exact batch and row it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
from django.utils.translation import gettext_lazy as _

SCHEMA_VERSION = 1

ID, STR, DATE, MONTH, MONEY, INT, DECIMAL = "id", "str", "date", "month", "money", "int", "decimal"
_ARROW_TYPES = {
    STR: pa.string(),
    DATE: pa.date32(),
    MONTH: pa.date32(),
    MONEY: pa.int64(),
    INT: pa.int64(),
    DECIMAL: pa.float64(),
}


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str
    required: bool = True
    choices: dict[str, str] | None = None
    max_length: int = 200

    @property
    def key_prefix(self) -> str:
        if self.name == "id_number":
            return "id_"
        return (
            self.name[: -len("id_number")] if self.name.endswith("_id_number") else f"{self.name}_"
        )

    def stored_fields(self) -> list[pa.Field]:
        if self.kind == ID:
            return [
                pa.field(f"{self.key_prefix}key", pa.int64()),
                pa.field(f"{self.key_prefix}masked", pa.string()),
            ]
        return [pa.field(self.name, _ARROW_TYPES[self.kind])]

    def headers(self) -> set[str]:
        return {self.name, str(self.label)}


@dataclass(frozen=True)
class Source:
    code: str
    label: str
    department: str
    columns: tuple[Column, ...]
    description: str = ""
    # Built by the platform from its own records at every run (never imported from a file).
    platform: bool = False
    id_columns: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "id_columns", tuple(c.name for c in self.columns if c.kind == ID))

    def stored_schema(self) -> pa.Schema:
        fields = [pa.field("_batch", pa.int64()), pa.field("_row", pa.int64())]
        for column in self.columns:
            fields.extend(column.stored_fields())
        return pa.schema(fields)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def template_headers(self) -> list[str]:
        return [str(c.label) for c in self.columns]


def _id(name="id_number", label=_("身份证号码"), required=True) -> Column:
    return Column(name, label, ID, required)


PROGRAMME_CHOICES = {
    "dibao_urban": _("城市最低生活保障"),
    "dibao_rural": _("农村最低生活保障"),
    "tekun": _("特困人员救助供养"),
    "temporary": _("临时救助"),
    "medical": _("医疗救助"),
    "disability_living": _("困难残疾人生活补贴"),
    "disability_nursing": _("重度残疾人护理补贴"),
}

SOURCES: tuple[Source, ...] = (
    Source(
        "deaths",
        _("死亡登记"),
        _("公安"),
        (
            _id(),
            Column("name", _("姓名"), STR, required=False, max_length=64),
            Column("death_date", _("死亡日期"), DATE),
        ),
        _("户籍注销（死亡）信息"),
    ),
    Source(
        "hukou",
        _("户籍登记"),
        _("公安"),
        (
            _id(),
            Column("hukou_number", _("户号"), STR, max_length=40),
            Column("relation", _("与户主关系"), STR, required=False, max_length=32),
            Column("since", _("迁入日期"), DATE),
            Column("until", _("迁出日期"), DATE, required=False),
        ),
        _("户籍及迁入迁出、分户记录"),
    ),
    Source(
        "tax",
        _("个人所得税代扣代缴"),
        _("税务"),
        (
            _id(),
            Column("period", _("所属期"), MONTH),
            Column("payer_name", _("扣缴单位"), STR, max_length=200),
            Column("income", _("收入额（元）"), MONEY),
            Column("tax", _("已扣税额（元）"), MONEY, required=False),
        ),
        _("按月代扣代缴的工资薪金所得"),
    ),
    Source(
        "social_insurance",
        _("社会保险缴费与待遇"),
        _("人力资源和社会保障"),
        (
            _id(),
            Column("period", _("缴费月份"), MONTH),
            Column(
                "scheme",
                _("险种"),
                STR,
                choices={
                    "employee_pension": _("企业职工基本养老保险"),
                    "public_pension": _("机关事业单位养老保险"),
                    "resident_pension": _("城乡居民基本养老保险"),
                    "unemployment": _("失业保险"),
                    "injury": _("工伤保险"),
                    "employee_medical": _("职工基本医疗保险"),
                },
            ),
            Column(
                "payer",
                _("缴费主体"),
                STR,
                choices={"employer": _("单位"), "individual": _("个人")},
            ),
            Column("employer_name", _("参保单位"), STR, required=False, max_length=200),
            Column("contribution", _("缴费金额（元）"), MONEY),
            Column("benefit", _("待遇金额（元）"), MONEY, required=False),
        ),
        _("参保缴费和养老金等待遇发放记录"),
    ),
    Source(
        "real_estate",
        _("不动产登记"),
        _("自然资源和规划（不动产登记）"),
        (
            _id(),
            Column("certificate_no", _("不动产权证号"), STR, max_length=64),
            Column(
                "usage",
                _("用途"),
                STR,
                choices={
                    "residential": _("住宅"),
                    "commercial": _("商业"),
                    "office": _("办公"),
                    "industrial": _("工业"),
                    "other": _("其他"),
                },
            ),
            Column("area", _("建筑面积（平方米）"), DECIMAL, required=False),
            Column("registered_on", _("登记日期"), DATE),
            Column("cancelled_on", _("注销日期"), DATE, required=False),
        ),
        _("权利人名下的不动产"),
    ),
    Source(
        "business",
        _("市场主体登记"),
        _("市场监督管理"),
        (
            _id(),
            Column("credit_code", _("统一社会信用代码"), STR, max_length=32),
            Column("entity_name", _("市场主体名称"), STR, max_length=200),
            Column(
                "entity_type",
                _("主体类型"),
                STR,
                choices={
                    "company": _("公司"),
                    "individual_business": _("个体工商户"),
                    "partnership": _("合伙企业"),
                    "cooperative": _("农民专业合作社"),
                },
            ),
            Column(
                "role",
                _("身份"),
                STR,
                choices={
                    "legal_representative": _("法定代表人"),
                    "shareholder": _("股东"),
                    "operator": _("经营者"),
                },
            ),
            Column("employees", _("从业人数"), INT, required=False),
            Column("registered_on", _("成立日期"), DATE),
            Column("deregistered_on", _("注销日期"), DATE, required=False),
        ),
        _("法定代表人、股东和个体工商户经营者"),
    ),
    Source(
        "provident_fund",
        _("住房公积金缴存"),
        _("住房公积金管理中心"),
        (
            _id(),
            Column("period", _("缴存月份"), MONTH),
            Column("employer_name", _("缴存单位"), STR, max_length=200),
            Column("deposit", _("月缴存额（元）"), MONEY),
        ),
        _("按月缴存记录"),
    ),
    Source(
        "vehicles",
        _("机动车登记"),
        _("公安（车辆管理）"),
        (
            _id(),
            Column("plate", _("号牌号码"), STR, max_length=16),
            Column(
                "vehicle_type",
                _("车辆类型"),
                STR,
                choices={
                    "car": _("小型汽车"),
                    "truck": _("货车"),
                    "motorcycle": _("摩托车"),
                    "agricultural": _("农用车"),
                    "disability": _("残疾人专用车"),
                },
            ),
            Column("value", _("车辆价值（元）"), MONEY),
            Column("registered_on", _("注册登记日期"), DATE),
            Column("deregistered_on", _("注销日期"), DATE, required=False),
        ),
        _("机动车所有人名下车辆"),
    ),
    Source(
        "deposits",
        _("银行存款"),
        _("银行业金融机构"),
        (
            _id(),
            Column("bank_name", _("开户机构"), STR, max_length=100),
            Column("account_masked", _("账号（脱敏）"), STR, required=False, max_length=40),
            Column("balance", _("余额（元）"), MONEY),
            Column("as_of", _("余额日期"), DATE),
        ),
        _("存款账户余额"),
    ),
    Source(
        "securities",
        _("证券与保险资产"),
        _("证券、基金、保险机构"),
        (
            _id(),
            Column("institution", _("机构名称"), STR, max_length=100),
            Column(
                "product",
                _("资产类别"),
                STR,
                choices={
                    "stock": _("股票"),
                    "fund": _("基金"),
                    "bond": _("债券"),
                    "wealth": _("理财产品"),
                    "insurance": _("商业保险现金价值"),
                },
            ),
            Column("market_value", _("市值（元）"), MONEY),
            Column("as_of", _("估值日期"), DATE),
        ),
        _("有价证券、理财和具有现金价值的保险"),
    ),
    Source(
        "marriage",
        _("婚姻登记"),
        _("民政（婚姻登记）"),
        (
            _id(),
            _id("spouse_id_number", _("配偶身份证号码")),
            Column(
                "event",
                _("登记类型"),
                STR,
                choices={"marriage": _("结婚登记"), "divorce": _("离婚登记")},
            ),
            Column("event_date", _("登记日期"), DATE),
        ),
        _("结婚、离婚登记，每方当事人一行"),
    ),
    Source(
        "payroll",
        _("财政供养人员"),
        _("财政、机构编制"),
        (
            _id(),
            Column("employer_name", _("工作单位"), STR, max_length=200),
            Column(
                "unit_type",
                _("单位性质"),
                STR,
                choices={"agency": _("机关"), "institution": _("事业单位"), "soe": _("国有企业")},
            ),
            Column("monthly_pay", _("月工资（元）"), MONEY, required=False),
            Column("since", _("入职日期"), DATE),
            Column("until", _("离职日期"), DATE, required=False),
        ),
        _("机关事业单位在编在岗人员"),
    ),
    Source(
        "beneficiaries",
        _("救助对象名单"),
        _("民政（各救助项目、各县市区）"),
        (
            _id(),
            Column("household_number", _("家庭编号"), STR, max_length=32),
            Column("programme", _("救助项目"), STR, choices=PROGRAMME_CHOICES),
            Column("county_code", _("县（市、区）代码"), STR, max_length=6),
            Column("since", _("纳入日期"), DATE),
            Column("until", _("退出日期"), DATE, required=False),
        ),
        _("各项目、各县市区在册救助对象，用于发现重复救助"),
    ),
    Source(
        "staff_relatives",
        _("经办人员近亲属备案"),
        _("民政（经办人员及村干部）"),
        (
            _id("staff_id_number", _("经办人员身份证号码")),
            Column("staff_name", _("经办人员姓名"), STR, max_length=64),
            Column("staff_unit", _("工作单位或职务"), STR, max_length=200),
            _id("relative_id_number", _("近亲属身份证号码")),
            Column("relation", _("亲属关系"), STR, max_length=32),
        ),
        _("民政经办人员和村（社区）干部申报的近亲属"),
    ),
    Source(
        "entitlements",
        _("本平台在册待遇"),
        _("民政（本平台）"),
        (
            _id(),
            Column("household_number", _("家庭编号"), STR, max_length=32),
            Column("programme", _("救助项目"), STR, max_length=32),
            Column("county_code", _("县（市、区）代码"), STR, max_length=6),
            Column("since", _("起始发放月份"), DATE),
            Column("until", _("停发日期"), DATE, required=False),
            Column("case_id", _("来源申请"), INT, required=False),
        ),
        _("本平台正常发放或暂停发放的各项待遇，每次核对时自动取数"),
        platform=True,
    ),
)

SOURCE_BY_CODE: dict[str, Source] = {s.code: s for s in SOURCES}
SOURCE_CODES = tuple(SOURCE_BY_CODE)
# Sources a department delivers as files (the platform's own are built at run time).
DEPARTMENT_SOURCES: tuple[Source, ...] = tuple(s for s in SOURCES if not s.platform)
DEPARTMENT_SOURCE_CODES = tuple(s.code for s in DEPARTMENT_SOURCES)
PLATFORM_SOURCE_CODES = tuple(s.code for s in SOURCES if s.platform)


def get_source(code: str) -> Source:
    try:
        return SOURCE_BY_CODE[code]
    except KeyError:
        raise KeyError(code) from None


def choices() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in SOURCES]
