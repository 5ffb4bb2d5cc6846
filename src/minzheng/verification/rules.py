"""Verification rules, each defined once and run on every engine.

Why portable SQL transpiled by sqlglot, and not Ibis expressions: a rule here is a short SELECT in
a deliberately small subset of SQL (inner and left joins, GROUP BY with COUNT/SUM, ROW_NUMBER,
CASE, INSTR, date comparisons) written in DuckDB's dialect. DuckDB runs it as written; for Spark,
`sqlglot.transpile(..., read="duckdb", write="spark")` rewrites the few dialect differences
(VARCHAR, string concatenation). That keeps one small, pure-Python dependency (pinned to one
major version) instead of Ibis and its pandas stack, whose API changes between majors; the rule
text is what a verification centre's auditor or DBA can read and re-run by hand; and the test
suite runs every rule on both engines and requires identical findings. Everything that varies
by region or date (limits, windows, programme lists) is a column of the `targets` table, so no
rule holds a figure (see `minzheng.verification.params`).

Inputs of every rule:
  targets        one row per member per run target, with the household's parameters
                 (built by `minzheng.verification.members_table`)
  src_<source>   the stored rows of the source's current batches (`minzheng.verification.sources`)

Output: target, household_id, person_id, batch_id, row_no (the cited source row), src_masked (the
masked ID on that row) and any of the evidence columns amount, limit_value, quantity, detail,
detail2, detail3, on_date. `wrapped_sql` fills the ones a rule does not produce with NULL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.assistance.params import BUSINESS_ROLES
from minzheng.core.money import yuan_str

from .sources import PROGRAMME_CHOICES, get_source

OUTPUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("target", "VARCHAR"),
    ("household_id", "BIGINT"),
    ("person_id", "BIGINT"),
    ("batch_id", "BIGINT"),
    ("row_no", "BIGINT"),
    ("src_masked", "VARCHAR"),
    ("amount", "BIGINT"),
    ("limit_value", "BIGINT"),
    ("quantity", "BIGINT"),
    ("detail", "VARCHAR"),
    ("detail2", "VARCHAR"),
    ("detail3", "VARCHAR"),
    ("on_date", "DATE"),
)
REQUIRED = ("target", "household_id", "person_id", "batch_id", "row_no", "src_masked")
EVIDENCE = ("amount", "limit_value", "quantity", "detail", "detail2", "detail3", "on_date")


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    severity: str  # Finding.Severity: fail, review, notice
    sources: tuple[str, ...]
    params: tuple[str, ...]
    sql: str
    produces: tuple[str, ...]  # evidence columns the SQL returns
    names: dict[str, str]  # evidence column -> the name kept in a finding's evidence
    describe: Callable[[dict], str]
    basis: str = ""

    def evidence(self, row: dict) -> dict:
        return {self.names[column]: row[column] for column in self.produces if column in self.names}


def wrapped_sql(rule: Rule) -> str:
    """The rule's SELECT with every output column present, typed and in a fixed order."""
    columns = []
    for name, kind in OUTPUT_COLUMNS:
        expression = name if name in REQUIRED or name in rule.produces else "NULL"
        columns.append(f"CAST({expression} AS {kind}) AS {name}")
    return f"SELECT '{rule.code}' AS rule, {', '.join(columns)} FROM ({rule.sql}) AS hits"


@cache
def spark_sql(rule_code: str) -> str:
    import sqlglot

    return sqlglot.transpile(wrapped_sql(RULE_BY_CODE[rule_code]), read="duckdb", write="spark")[0]


ACTIVE = "{a}.{start} <= t.ref_date AND ({a}.{end} IS NULL OR {a}.{end} > t.ref_date)"


def _active(alias: str, start: str, end: str) -> str:
    return ACTIVE.format(a=alias, start=start, end=end)


def _yuan(fen) -> str:
    return yuan_str(int(fen)) if fen is not None else "-"


def _label(source: str, column: str, code) -> str:
    choices = get_source(source).column(column).choices or {}
    return str(choices.get(code, code or ""))


def _date(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


# --------------------------------------------------------------------------------------------
# The rules. Wording is what staff read in the report (核对报告).


def _deceased(e: dict) -> str:
    return _("公安死亡登记显示该成员已于 %(d)s 死亡，家庭成员中仍登记为在册") % {
        "d": _date(e["death_date"])
    }


def _vehicle(e: dict) -> str:
    values = {
        "plate": e["plate"],
        "type": _label("vehicles", "vehicle_type", e["vehicle_type"]),
        "value": _yuan(e["value_fen"]),
        "limit": _yuan(e["limit_fen"]),
    }
    if e["basis"] == "any":
        return (
            _(
                "名下有机动车 %(plate)s（%(type)s，价值 %(value)s 元）；本地规定拥有机动车（残疾人专用车除外）即不符合条件"
            )
            % values
        )
    return (
        _("名下有机动车 %(plate)s（%(type)s），价值 %(value)s 元，超过限额 %(limit)s 元") % values
    )


def _homes(e: dict) -> str:
    return _(
        "家庭名下住房 %(n)s 套，超过 %(m)s 套；最近登记的一套权证号 %(cert)s，登记于 %(d)s"
    ) % {
        "n": e["homes"],
        "m": e["max_homes"],
        "cert": e["certificate_no"],
        "d": _date(e["registered_on"]),
    }


def _non_residential(e: dict) -> str:
    return _("名下有非住宅房产（%(usage)s），权证号 %(cert)s，登记于 %(d)s") % {
        "usage": _label("real_estate", "usage", e["usage"]),
        "cert": e["certificate_no"],
        "d": _date(e["registered_on"]),
    }


def _business(e: dict) -> str:
    return _("为市场主体“%(name)s”（%(code)s）的%(role)s，成立于 %(d)s，未注销") % {
        "name": e["entity_name"],
        "code": e["credit_code"],
        "role": BUSINESS_ROLES.get(e["role"], e["role"]),
        "d": _date(e["registered_on"]),
    }


def _business_review(e: dict) -> str:
    return _(
        "为市场主体“%(name)s”（%(code)s）的%(role)s，成立于 %(d)s，未注销；须核实其经营收入和财产"
    ) % {
        "name": e["entity_name"],
        "code": e["credit_code"],
        "role": BUSINESS_ROLES.get(e["role"], e["role"]),
        "d": _date(e["registered_on"]),
    }


def _assets(e: dict) -> str:
    return _(
        "家庭存款、有价证券等金融资产合计 %(total)s 元，超过限额 %(limit)s 元（%(n)s 笔；最大一笔在%(inst)s，%(one)s 元）"
    ) % {
        "total": _yuan(e["total_fen"]),
        "limit": _yuan(e["limit_fen"]),
        "n": e["holdings"],
        "inst": e["institution"],
        "one": _yuan(int(e["largest_fen"])) if e.get("largest_fen") not in (None, "") else "-",
    }


def _marriage(e: dict) -> str:
    return _(
        "婚姻登记显示已于 %(d)s 登记结婚（配偶 %(spouse)s），配偶未列入家庭成员，且无离婚登记"
    ) % {"d": _date(e["married_on"]), "spouse": e["spouse_masked"]}


def _split(e: dict) -> str:
    return _("申请前 %(d)s 从户号 %(hukou)s 分户迁出，原户内仍有 %(n)s 名非本家庭成员") % {
        "d": _date(e["left_on"]),
        "hukou": e["hukou_number"],
        "n": e["others"],
    }


def _duplicate(e: dict) -> str:
    return _("同时在册享受%(programme)s（县市区 %(county)s，家庭编号 %(hh)s，%(d)s 起）") % {
        "programme": PROGRAMME_CHOICES.get(e["programme"], e["programme"]),
        "county": e["county_code"],
        "hh": e["household_number"],
        "d": _date(e["since"]),
    }


def _entitled(e: dict) -> str:
    from minzheng.assistance.params import PROGRAMME_BY_CODE

    spec = PROGRAMME_BY_CODE.get(e["programme"])
    name = _(spec.name) if spec else PROGRAMME_CHOICES.get(e["programme"], e["programme"])
    return _("本平台在册享受%(programme)s（家庭编号 %(hh)s，%(d)s 起发放）") % {
        "programme": name,
        "hh": e["household_number"],
        "d": _date(e["since"]),
    }


def _staff_relative(e: dict) -> str:
    return _(
        "为经办人员或村（社区）干部 %(name)s（%(unit)s）的近亲属（%(relation)s），须按规定备案并全部入户抽查"
    ) % {"name": e["staff_name"], "unit": e["staff_unit"], "relation": e["relation"]}


def _public_sector(e: dict) -> str:
    return _("为财政供养人员：%(employer)s（%(type)s），%(d)s 入职，月工资 %(pay)s 元") % {
        "employer": e["employer_name"],
        "type": _label("payroll", "unit_type", e["unit_type"]),
        "d": _date(e["since"]),
        "pay": _yuan(e["monthly_pay_fen"]),
    }


def _insurance(e: dict) -> str:
    values = {
        "n": e["months"],
        "employer": e["employer_name"] or "-",
        "d": _date(e["last_period"])[:7],
        "m": e["min_months"],
    }
    if e.get("basis") == "latest_month":
        return (
            _(
                "核对基准日前最近一个月（%(d)s）由单位缴纳社会保险（%(employer)s），近期共 %(n)s 个月，存在未申报的工资性收入"
            )
            % values
        )
    return (
        _(
            "近期有 %(n)s 个月由单位缴纳社会保险（%(employer)s，最近 %(d)s），达到 %(m)s 个月，存在未申报的工资性收入"
        )
        % values
    )


def _provident(e: dict) -> str:
    return _(
        "近期有 %(n)s 个月缴存住房公积金（%(employer)s，最近 %(d)s），达到 %(m)s 个月，存在未申报的工资性收入"
    ) % {
        "n": e["months"],
        "employer": e["employer_name"],
        "d": _date(e["last_period"])[:7],
        "m": e["min_months"],
    }


def _taxed(e: dict) -> str:
    return _(
        "近期代扣代缴个人所得税的收入合计 %(total)s 元（%(n)s 个月，%(payer)s），超过家庭同期低保标准合计 %(limit)s 元"
    ) % {
        "total": _yuan(e["total_fen"]),
        "n": e["months"],
        "payer": e["payer_name"],
        "limit": _yuan(e["limit_fen"]),
    }


RULES: tuple[Rule, ...] = (
    Rule(
        "deceased_member",
        gettext_lazy("成员已死亡仍在册"),
        "fail",
        ("deaths",),
        (),
        """SELECT t.target, t.household_id, t.person_id, s._batch AS batch_id, s._row AS row_no, s.id_masked AS src_masked,
                  s.death_date AS on_date
           FROM targets t JOIN src_deaths s ON s.id_key = t.id_key
           WHERE s.death_date <= t.ref_date""",
        ("on_date",),
        {"on_date": "death_date"},
        _deceased,
        gettext_lazy("家庭成员变化应及时办理增减，死亡人员不再计入保障"),
    ),
    Rule(
        "vehicle",
        gettext_lazy("拥有机动车"),
        "fail",
        ("vehicles",),
        ("any_car_disqualifies", "car_value_limit", "verification.vehicle_exempt_types"),
        f"""SELECT t.target, t.household_id, t.person_id, v._batch AS batch_id, v._row AS row_no, v.id_masked AS src_masked,
                   v.value AS amount, t.car_value_limit AS limit_value, v.plate AS detail, v.vehicle_type AS detail2,
                   CASE WHEN t.any_car_disqualifies THEN 'any' ELSE 'value' END AS detail3, v.registered_on AS on_date
            FROM targets t JOIN src_vehicles v ON v.id_key = t.id_key
            WHERE {_active("v", "registered_on", "deregistered_on")}
              AND INSTR(t.vehicle_exempt_types, '|' || v.vehicle_type || '|') = 0
              AND (t.any_car_disqualifies OR v.value > t.car_value_limit)""",
        ("amount", "limit_value", "detail", "detail2", "detail3", "on_date"),
        {
            "amount": "value_fen",
            "limit_value": "limit_fen",
            "detail": "plate",
            "detail2": "vehicle_type",
            "detail3": "basis",
            "on_date": "registered_on",
        },
        _vehicle,
        gettext_lazy("拥有机动车（残疾人功能性补偿代步车除外）或车辆价值超过限额的，不符合条件"),
    ),
    Rule(
        "multiple_homes",
        gettext_lazy("拥有多套住房"),
        "fail",
        ("real_estate",),
        ("max_homes",),
        f"""WITH homes AS (
              SELECT t.target, t.household_id, t.person_id, t.max_homes, r._batch, r._row, r.id_masked, r.certificate_no,
                     r.registered_on
              FROM targets t JOIN src_real_estate r ON r.id_key = t.id_key
              WHERE r.usage = 'residential' AND {_active("r", "registered_on", "cancelled_on")}
            ), counted AS (
              SELECT target, COUNT(DISTINCT certificate_no) AS homes FROM homes GROUP BY target
            ), ranked AS (
              SELECT h.target, h.household_id, h.person_id, h.max_homes, h._batch, h._row, h.id_masked, h.certificate_no,
                     h.registered_on, c.homes,
                     ROW_NUMBER() OVER (PARTITION BY h.target
                                        ORDER BY h.registered_on DESC, h.certificate_no DESC, h._batch DESC, h._row DESC) AS rank_no
              FROM homes h JOIN counted c ON c.target = h.target
              WHERE c.homes > h.max_homes
            )
            SELECT target, household_id, person_id, _batch AS batch_id, _row AS row_no, id_masked AS src_masked,
                   homes AS quantity, max_homes AS limit_value, certificate_no AS detail, registered_on AS on_date
            FROM ranked WHERE rank_no = 1""",
        ("quantity", "limit_value", "detail", "on_date"),
        {
            "quantity": "homes",
            "limit_value": "max_homes",
            "detail": "certificate_no",
            "on_date": "registered_on",
        },
        _homes,
        gettext_lazy("家庭拥有住房超过规定套数的，不符合条件"),
    ),
    Rule(
        "non_residential_property",
        gettext_lazy("拥有非住宅房产"),
        "fail",
        ("real_estate",),
        ("non_residential_disqualifies",),
        f"""SELECT t.target, t.household_id, t.person_id, r._batch AS batch_id, r._row AS row_no, r.id_masked AS src_masked,
                   r.certificate_no AS detail, r.usage AS detail2, r.registered_on AS on_date
            FROM targets t JOIN src_real_estate r ON r.id_key = t.id_key
            WHERE t.non_residential_disqualifies AND r.usage <> 'residential'
              AND {_active("r", "registered_on", "cancelled_on")}""",
        ("detail", "detail2", "on_date"),
        {"detail": "certificate_no", "detail2": "usage", "on_date": "registered_on"},
        _non_residential,
        gettext_lazy("拥有商业、办公、工业等非居住类房产的，不符合条件"),
    ),
    Rule(
        "business_role",
        gettext_lazy("经营企业或雇用他人"),
        "fail",
        ("business",),
        ("disqualifying_business_roles",),
        f"""WITH roles AS (
              SELECT t.target, t.household_id, t.person_id, t.business_roles, b._batch, b._row, b.id_masked, b.entity_name,
                     b.credit_code, b.registered_on,
                     CASE WHEN b.role = 'legal_representative' THEN 'legal_representative'
                          WHEN b.role = 'shareholder' THEN 'shareholder'
                          ELSE 'self_employed' END AS role_code,
                     CASE WHEN b.role <> 'shareholder' AND COALESCE(b.employees, 0) > 0 THEN 1 ELSE 0 END AS employs
              FROM targets t JOIN src_business b ON b.id_key = t.id_key
              WHERE {_active("b", "registered_on", "deregistered_on")}
            )
            SELECT target, household_id, person_id, _batch AS batch_id, _row AS row_no, id_masked AS src_masked,
                   entity_name AS detail,
                   CASE WHEN INSTR(business_roles, '|' || role_code || '|') > 0 THEN role_code ELSE 'employer' END AS detail2,
                   credit_code AS detail3, registered_on AS on_date
            FROM roles
            WHERE INSTR(business_roles, '|' || role_code || '|') > 0 OR (employs = 1 AND INSTR(business_roles, '|employer|') > 0)""",
        ("detail", "detail2", "detail3", "on_date"),
        {
            "detail": "entity_name",
            "detail2": "role",
            "detail3": "credit_code",
            "on_date": "registered_on",
        },
        _business,
        gettext_lazy("家庭成员为企业法定代表人或雇用他人从事经营的，不符合条件（身份范围见参数）"),
    ),
    # docs/DOMAIN.md §4.3: a legal representative, shareholder or self-employed member is a finding
    # even where the region's standards do not make the role disqualifying — for the clerk to
    # check the business income and assets, not an automatic refusal. Exactly the active roles
    # `business_role` leaves out, so one registration is never both.
    Rule(
        "business_review",
        gettext_lazy("经营身份需核实"),
        "review",
        ("business",),
        ("disqualifying_business_roles",),
        f"""WITH roles AS (
              SELECT t.target, t.household_id, t.person_id, t.business_roles, b._batch, b._row, b.id_masked, b.entity_name,
                     b.credit_code, b.registered_on,
                     CASE WHEN b.role = 'legal_representative' THEN 'legal_representative'
                          WHEN b.role = 'shareholder' THEN 'shareholder'
                          ELSE 'self_employed' END AS role_code,
                     CASE WHEN b.role <> 'shareholder' AND COALESCE(b.employees, 0) > 0 THEN 1 ELSE 0 END AS employs
              FROM targets t JOIN src_business b ON b.id_key = t.id_key
              WHERE {_active("b", "registered_on", "deregistered_on")}
            )
            SELECT target, household_id, person_id, _batch AS batch_id, _row AS row_no, id_masked AS src_masked,
                   entity_name AS detail, role_code AS detail2, credit_code AS detail3, registered_on AS on_date
            FROM roles
            WHERE INSTR(business_roles, '|' || role_code || '|') = 0
              AND NOT (employs = 1 AND INSTR(business_roles, '|employer|') > 0)""",
        ("detail", "detail2", "detail3", "on_date"),
        {
            "detail": "entity_name",
            "detail2": "role",
            "detail3": "credit_code",
            "on_date": "registered_on",
        },
        _business_review,
        gettext_lazy("家庭成员为企业法定代表人、股东或个体工商户的，应核实其经营收入和财产"),
    ),
    Rule(
        "financial_assets",
        gettext_lazy("金融资产超过限额"),
        "fail",
        ("deposits", "securities"),
        ("standard", "financial_assets_months"),
        """WITH holdings AS (
              SELECT t.target, t.household_id, t.person_id, t.asset_limit, d._batch, d._row, d.id_masked,
                     d.balance AS held, d.bank_name AS institution
              FROM targets t JOIN src_deposits d ON d.id_key = t.id_key
              UNION ALL
              SELECT t.target, t.household_id, t.person_id, t.asset_limit, s._batch, s._row, s.id_masked,
                     s.market_value AS held, s.institution AS institution
              FROM targets t JOIN src_securities s ON s.id_key = t.id_key
            ), totals AS (
              SELECT target, CAST(SUM(held) AS BIGINT) AS total, COUNT(*) AS holdings FROM holdings GROUP BY target
            ), ranked AS (
              SELECT h.target, h.household_id, h.person_id, h.asset_limit, h._batch, h._row, h.id_masked, h.held,
                     h.institution, s.total, s.holdings,
                     ROW_NUMBER() OVER (PARTITION BY h.target ORDER BY h.held DESC, h._batch DESC, h._row DESC) AS rank_no
              FROM holdings h JOIN totals s ON s.target = h.target
              WHERE s.total > h.asset_limit
            )
            SELECT target, household_id, person_id, _batch AS batch_id, _row AS row_no, id_masked AS src_masked,
                   total AS amount, asset_limit AS limit_value, holdings AS quantity, institution AS detail,
                   CAST(held AS VARCHAR) AS detail2
            FROM ranked WHERE rank_no = 1""",
        ("amount", "limit_value", "quantity", "detail", "detail2"),
        {
            "amount": "total_fen",
            "limit_value": "limit_fen",
            "quantity": "holdings",
            "detail": "institution",
            "detail2": "largest_fen",
        },
        _assets,
        gettext_lazy("家庭人均金融资产超过规定月数的低保标准之和的，不符合条件"),
    ),
    Rule(
        "undeclared_marriage",
        gettext_lazy("已婚未申报配偶"),
        "fail",
        ("marriage", "deaths"),
        (),
        """WITH events AS (
              SELECT t.target, t.household_id, t.person_id, t.ref_date, m._batch, m._row, m.id_masked, m.spouse_key,
                     m.spouse_masked, m.event, m.event_date,
                     ROW_NUMBER() OVER (PARTITION BY t.target, t.person_id
                                        ORDER BY m.event_date DESC, m._batch DESC, m._row DESC) AS rank_no
              FROM targets t JOIN src_marriage m ON m.id_key = t.id_key
              WHERE m.event_date <= t.ref_date
            ), latest AS (
              SELECT target, household_id, person_id, ref_date, _batch, _row, id_masked, spouse_key, spouse_masked, event_date
              FROM events WHERE rank_no = 1 AND event = 'marriage'
            ), widowed AS (
              SELECT DISTINCT l.target, l.person_id
              FROM latest l JOIN src_deaths d ON d.id_key = l.spouse_key
              WHERE d.death_date <= l.ref_date
            )
            SELECT l.target, l.household_id, l.person_id, l._batch AS batch_id, l._row AS row_no, l.id_masked AS src_masked,
                   l.spouse_masked AS detail, l.event_date AS on_date
            FROM latest l
            LEFT JOIN targets o ON o.target = l.target AND o.id_key = l.spouse_key
            LEFT JOIN widowed w ON w.target = l.target AND w.person_id = l.person_id
            WHERE o.person_id IS NULL AND w.person_id IS NULL""",
        ("detail", "on_date"),
        {"detail": "spouse_masked", "on_date": "married_on"},
        _marriage,
        gettext_lazy("配偶为共同生活的家庭成员，其收入和财产应计入家庭"),
    ),
    Rule(
        "household_split",
        gettext_lazy("申请前分户"),
        "fail",
        ("hukou",),
        ("verification.split_window_days",),
        """WITH departures AS (
              SELECT t.target, t.household_id, t.person_id, t.id_key, h._batch, h._row, h.id_masked, h.hukou_number, h.until
              FROM targets t JOIN src_hukou h ON h.id_key = t.id_key
              WHERE h.until IS NOT NULL AND h.until >= t.split_since AND h.until <= t.applied_on
            ), remaining AS (
              SELECT d.target, d.household_id, d.person_id, d._batch, d._row, d.id_masked, d.hukou_number, d.until,
                     COUNT(DISTINCT o.id_key) AS others
              FROM departures d
              JOIN src_hukou o ON o.hukou_number = d.hukou_number
              LEFT JOIN targets m ON m.target = d.target AND m.id_key = o.id_key
              WHERE o.id_key <> d.id_key AND o.since <= d.until AND (o.until IS NULL OR o.until > d.until)
                AND m.person_id IS NULL
              GROUP BY d.target, d.household_id, d.person_id, d._batch, d._row, d.id_masked, d.hukou_number, d.until
            )
            SELECT target, household_id, person_id, _batch AS batch_id, _row AS row_no, id_masked AS src_masked,
                   others AS quantity, hukou_number AS detail, until AS on_date
            FROM remaining""",
        ("quantity", "detail", "on_date"),
        {"quantity": "others", "detail": "hukou_number", "on_date": "left_on"},
        _split,
        gettext_lazy("为获得救助而分户的，应按分户前的家庭核对收入和财产"),
    ),
    Rule(
        "duplicate_assistance",
        gettext_lazy("重复享受救助"),
        "fail",
        ("beneficiaries",),
        ("verification.excluded_programmes",),
        f"""SELECT t.target, t.household_id, t.person_id, b._batch AS batch_id, b._row AS row_no, b.id_masked AS src_masked,
                   b.programme AS detail, b.county_code AS detail2, b.household_number AS detail3, b.since AS on_date
            FROM targets t JOIN src_beneficiaries b ON b.id_key = t.id_key
            WHERE {_active("b", "since", "until")}
              AND ((b.programme = t.programme AND (b.county_code <> t.county_code OR b.household_number <> t.household_number))
                   OR INSTR(t.excluded_programmes, '|' || b.programme || '|') > 0)""",
        ("detail", "detail2", "detail3", "on_date"),
        {
            "detail": "programme",
            "detail2": "county_code",
            "detail3": "household_number",
            "on_date": "since",
        },
        _duplicate,
        gettext_lazy("同一救助项目不得在两地或两个家庭重复享受；互斥项目不得同时享受"),
    ),
    # The platform's own entitlements (always available): an application for a programme the
    # household already receives, or for one that excludes a programme a member receives; in a
    # recheck, the same programme paid to a member in another household as well.
    Rule(
        "existing_entitlement",
        gettext_lazy("已在本平台享受待遇"),
        "fail",
        ("entitlements",),
        ("verification.excluded_programmes",),
        f"""SELECT t.target, t.household_id, t.person_id, e._batch AS batch_id, e._row AS row_no, e.id_masked AS src_masked,
                   e.programme AS detail, e.household_number AS detail3, e.since AS on_date
            FROM targets t JOIN src_entitlements e ON e.id_key = t.id_key
            WHERE {_active("e", "since", "until")}
              AND (t.case_id IS NULL OR e.case_id IS NULL OR e.case_id <> t.case_id)
              AND (INSTR(t.excluded_programmes, '|' || e.programme || '|') > 0
                   OR (e.programme = t.programme AND (t.case_id IS NOT NULL OR e.household_number <> t.household_number)))""",
        ("detail", "detail3", "on_date"),
        {"detail": "programme", "detail3": "household_number", "on_date": "since"},
        _entitled,
        gettext_lazy("已享受的救助不得重复申请；互斥项目不得同时享受"),
    ),
    Rule(
        "staff_relative",
        gettext_lazy("经办人员近亲属"),
        "notice",
        ("staff_relatives",),
        (),
        """SELECT t.target, t.household_id, t.person_id, s._batch AS batch_id, s._row AS row_no, s.relative_masked AS src_masked,
                  s.staff_name AS detail, s.staff_unit AS detail2, s.relation AS detail3
           FROM targets t JOIN src_staff_relatives s ON s.relative_key = t.id_key""",
        ("detail", "detail2", "detail3"),
        {"detail": "staff_name", "detail2": "staff_unit", "detail3": "relation"},
        _staff_relative,
        gettext_lazy("经办人员和村干部近亲属申请救助的，应当备案，县级全部入户抽查"),
    ),
    Rule(
        "public_sector",
        gettext_lazy("财政供养人员"),
        "fail",
        ("payroll",),
        (),
        f"""SELECT t.target, t.household_id, t.person_id, p._batch AS batch_id, p._row AS row_no, p.id_masked AS src_masked,
                   p.monthly_pay AS amount, p.employer_name AS detail, p.unit_type AS detail2, p.since AS on_date
            FROM targets t JOIN src_payroll p ON p.id_key = t.id_key
            WHERE {_active("p", "since", "until")}""",
        ("amount", "detail", "detail2", "on_date"),
        {
            "amount": "monthly_pay_fen",
            "detail": "employer_name",
            "detail2": "unit_type",
            "on_date": "since",
        },
        _public_sector,
        gettext_lazy("家庭成员为机关事业单位在编在岗人员的，其工资收入应如实申报"),
    ),
    Rule(
        "employer_insurance",
        gettext_lazy("单位缴纳社会保险"),
        "review",
        ("social_insurance",),
        ("verification.insurance_window_months", "verification.insurance_min_months"),
        # docs/DOMAIN.md §4.3: employer contributions for the latest month before the reference
        # date are a finding whatever the number of months (the member works now); otherwise
        # at least the minimum number of months within the window.
        """WITH paid AS (
              SELECT t.target, t.household_id, t.person_id, t.insurance_min_months, t.insurance_since,
                     t.insurance_latest_since, s._batch, s._row, s.id_masked, s.period, s.employer_name
              FROM targets t JOIN src_social_insurance s ON s.id_key = t.id_key
              WHERE s.payer = 'employer' AND s.period <= t.ref_date
                AND (s.period >= t.insurance_since OR s.period >= t.insurance_latest_since)
            ), months AS (
              SELECT target, person_id,
                     COUNT(DISTINCT CASE WHEN period >= insurance_since THEN period END) AS months,
                     MAX(CASE WHEN period >= insurance_latest_since THEN 1 ELSE 0 END) AS latest
              FROM paid GROUP BY target, person_id
            ), ranked AS (
              SELECT p.target, p.household_id, p.person_id, p.insurance_min_months, p._batch, p._row, p.id_masked, p.period,
                     p.employer_name, m.months, m.latest,
                     ROW_NUMBER() OVER (PARTITION BY p.target, p.person_id ORDER BY p.period DESC, p._batch DESC, p._row DESC) AS rank_no
              FROM paid p JOIN months m ON m.target = p.target AND m.person_id = p.person_id
              WHERE m.months >= p.insurance_min_months OR m.latest = 1
            )
            SELECT target, household_id, person_id, _batch AS batch_id, _row AS row_no, id_masked AS src_masked,
                   months AS quantity, insurance_min_months AS limit_value, employer_name AS detail,
                   CASE WHEN months >= insurance_min_months THEN 'months' ELSE 'latest_month' END AS detail2,
                   period AS on_date
            FROM ranked WHERE rank_no = 1""",
        ("quantity", "limit_value", "detail", "detail2", "on_date"),
        {
            "quantity": "months",
            "limit_value": "min_months",
            "detail": "employer_name",
            "detail2": "basis",
            "on_date": "last_period",
        },
        _insurance,
        gettext_lazy("由单位缴纳社会保险的成员有工资性收入，应计入家庭收入"),
    ),
    Rule(
        "provident_fund",
        gettext_lazy("缴存住房公积金"),
        "review",
        ("provident_fund",),
        ("verification.provident_window_months", "verification.provident_min_months"),
        """WITH paid AS (
              SELECT t.target, t.household_id, t.person_id, t.provident_min_months, f._batch, f._row, f.id_masked, f.period,
                     f.employer_name
              FROM targets t JOIN src_provident_fund f ON f.id_key = t.id_key
              WHERE f.deposit > 0 AND f.period >= t.provident_since AND f.period <= t.ref_date
            ), months AS (
              SELECT target, person_id, COUNT(DISTINCT period) AS months FROM paid GROUP BY target, person_id
            ), ranked AS (
              SELECT p.target, p.household_id, p.person_id, p.provident_min_months, p._batch, p._row, p.id_masked, p.period,
                     p.employer_name, m.months,
                     ROW_NUMBER() OVER (PARTITION BY p.target, p.person_id ORDER BY p.period DESC, p._batch DESC, p._row DESC) AS rank_no
              FROM paid p JOIN months m ON m.target = p.target AND m.person_id = p.person_id
              WHERE m.months >= p.provident_min_months
            )
            SELECT target, household_id, person_id, _batch AS batch_id, _row AS row_no, id_masked AS src_masked,
                   months AS quantity, provident_min_months AS limit_value, employer_name AS detail, period AS on_date
            FROM ranked WHERE rank_no = 1""",
        ("quantity", "limit_value", "detail", "on_date"),
        {
            "quantity": "months",
            "limit_value": "min_months",
            "detail": "employer_name",
            "on_date": "last_period",
        },
        _provident,
        gettext_lazy("缴存住房公积金的成员有单位发放的工资，应计入家庭收入"),
    ),
    Rule(
        "taxed_income",
        gettext_lazy("纳税收入超过标准"),
        "review",
        ("tax",),
        ("standard", "verification.tax_window_months"),
        """WITH wages AS (
              SELECT t.target, t.household_id, t.person_id, t.income_limit, x._batch, x._row, x.id_masked, x.period, x.income,
                     x.payer_name
              FROM targets t JOIN src_tax x ON x.id_key = t.id_key
              WHERE x.period >= t.tax_since AND x.period <= t.ref_date
            ), totals AS (
              SELECT target, person_id, CAST(SUM(income) AS BIGINT) AS total, COUNT(DISTINCT period) AS months
              FROM wages GROUP BY target, person_id
            ), ranked AS (
              SELECT w.target, w.household_id, w.person_id, w.income_limit, w._batch, w._row, w.id_masked, w.period,
                     w.payer_name, s.total, s.months,
                     ROW_NUMBER() OVER (PARTITION BY w.target, w.person_id ORDER BY w.period DESC, w._batch DESC, w._row DESC) AS rank_no
              FROM wages w JOIN totals s ON s.target = w.target AND s.person_id = w.person_id
              WHERE s.total > w.income_limit
            )
            SELECT target, household_id, person_id, _batch AS batch_id, _row AS row_no, id_masked AS src_masked,
                   total AS amount, income_limit AS limit_value, months AS quantity, payer_name AS detail, period AS on_date
            FROM ranked WHERE rank_no = 1""",
        ("amount", "limit_value", "quantity", "detail", "on_date"),
        {
            "amount": "total_fen",
            "limit_value": "limit_fen",
            "quantity": "months",
            "detail": "payer_name",
            "on_date": "last_period",
        },
        _taxed,
        gettext_lazy("一名成员的纳税工资收入已超过全家同期的低保标准合计"),
    ),
)
RULE_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
RULE_CODES = tuple(RULE_BY_CODE)


def used_sources() -> tuple[str, ...]:
    seen: list[str] = []
    for rule in RULES:
        seen.extend(s for s in rule.sources if s not in seen)
    return tuple(seen)


def describe(rule_code: str, evidence: dict) -> str:
    """The finding's wording in the active language, from its stored evidence."""
    rule = RULE_BY_CODE.get(rule_code)
    if rule is None:
        return rule_code
    try:
        return rule.describe(evidence)
    except (KeyError, TypeError, ValueError):
        return str(rule.title)


def title(rule_code: str) -> str:
    rule = RULE_BY_CODE.get(rule_code)
    return str(rule.title) if rule else rule_code
