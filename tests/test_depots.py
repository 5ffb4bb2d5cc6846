"""Relief-supply depots: the ledger's rules with figures worked by hand, two-person custody,
transfers, counts and their findings, the stock position on past dates, scope, API input and
target 3.2."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.models import AuditEvent
from minzheng.depots import indicators, selectors, services, snapshots
from minzheng.depots.models import (
    Finding,
    FindingStatus,
    Movement,
    MovementKind,
    MovementStatus,
)
from minzheng.regions.models import Region

pytestmark = pytest.mark.django_db

D = dt.date


def _confirmed(movement, by):
    return services.confirm_movement(user=by, movement_id=movement.pk)


def _purchase(w, depot, item, quantity, on, *, number, by="k1", confirm="k2", expires=None):
    m = services.receive(
        user=w[by],
        depot_id=w[depot].pk,
        kind="purchase",
        quantity=quantity,
        occurred_on=on,
        item_id=w[item].pk,
        batch_number=number,
        expires_on=expires,
        supplier="某厂",
    )
    return _confirmed(m, w[confirm]) if confirm else m


def _issue(w, batch, quantity, on, *, by="k1", confirm="k2", depot="dongbao"):
    m = services.issue(
        user=w[by],
        depot_id=w[depot].pk,
        batch_id=batch.pk,
        quantity=quantity,
        occurred_on=on,
        recipient="石桥驿镇",
        purpose="洪灾转移安置",
    )
    return _confirmed(m, w[confirm]) if confirm else m


# --------------------------------------------------------------------------- two-person custody


def test_a_movement_is_pending_until_another_keeper_of_the_depot_confirms(depot_world):
    w = depot_world
    m = _purchase(w, "dongbao", "tent", 300, D(2016, 1, 10), number="ZP-1", confirm=None)
    assert m.status == MovementStatus.PENDING
    assert selectors.position_as_of(D(2016, 1, 31)) == {}
    with pytest.raises(ServiceError) as own:
        services.confirm_movement(user=w["k1"], movement_id=m.pk)
    assert own.value.errors == {
        "confirmed_by": ["登记人不能复核自己登记的记录，请由另一名保管员确认"]
    }
    with pytest.raises(NotFoundOrOutOfScope):  # 钟祥市's keeper does not even see it
        services.confirm_movement(user=w["z1"], movement_id=m.pk)
    with pytest.raises(ServiceError) as approver:  # sees it, but keeps no depot
        services.confirm_movement(user=w["approver"], movement_id=m.pk)
    assert approver.value.status == 403
    assert selectors.pending_for_keeper(w["k2"])[0].get() == m
    assert not selectors.pending_for_keeper(w["k1"])[0].exists()
    m = services.confirm_movement(user=w["k2"], movement_id=m.pk)
    assert (m.status, m.confirmed_by) == (MovementStatus.CONFIRMED, w["k2"])
    assert selectors.position_as_of(D(2016, 1, 31)) == {(w["dongbao"].pk, w["tent"].pk): 300}
    with pytest.raises(ServiceError) as again:
        services.confirm_movement(user=w["k2"], movement_id=m.pk)
    assert again.value.status == 409
    actions = list(
        AuditEvent.objects.filter(object_type="depots.movement", object_id=str(m.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "transition"]


def test_only_a_keeper_of_the_depot_records(depot_world):
    w = depot_world
    with pytest.raises(ServiceError) as exc:
        _purchase(w, "dongbao", "tent", 10, D(2016, 1, 10), number="ZP-X", by="approver")
    assert exc.value.status == 403
    with pytest.raises(NotFoundOrOutOfScope):
        _purchase(w, "zhongxiang", "tent", 10, D(2016, 1, 10), number="ZP-Y", by="k1")


# ------------------------------------------------------------------------------------ overdraw


def test_no_issue_beyond_the_stock_pending_issues_included(depot_world):
    w = depot_world
    m = _purchase(w, "dongbao", "quilt", 100, D(2016, 1, 10), number="MB-1")
    batch = m.batch
    _issue(w, batch, 60, D(2016, 2, 1), confirm=None)  # pending: holds 60 back
    with pytest.raises(ServiceError) as exc:
        _issue(w, batch, 41, D(2016, 2, 2))
    assert exc.value.status == 422
    assert exc.value.errors == {"quantity": ["棉被批次MB-1可用库存40床，不足41床"]}
    _issue(w, batch, 40, D(2016, 2, 2))
    with pytest.raises(ServiceError):
        _issue(w, batch, 1, D(2016, 2, 3))
    # A back-dated issue cannot take what was not there yet on its date.
    later = _purchase(w, "dongbao", "quilt", 50, D(2016, 3, 1), number="MB-2").batch
    with pytest.raises(ServiceError) as early:
        _issue(w, later, 10, D(2016, 2, 15))
    assert early.value.errors["quantity"] == ["棉被批次MB-2可用库存0床，不足10床"]
    balances = selectors.batch_balances(w["dongbao"])
    assert balances[batch.pk] == {"ledger": 60, "available": 0}  # 100 − 40 confirmed; 60 pending


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("quantity", 0, "数量应大于零"),
        ("quantity", -5, "数量应大于零"),
        ("occurred_on", dt.date.today() + dt.timedelta(days=1), "日期不能晚于今天"),
        ("recipient", " ", "请填写领用单位或领用人"),
    ],
)
def test_issue_input_errors_name_their_field(depot_world, field, value, message):
    w = depot_world
    batch = _purchase(w, "dongbao", "tent", 10, D(2016, 1, 10), number="ZP-E").batch
    args = {
        "user": w["k1"],
        "depot_id": w["dongbao"].pk,
        "batch_id": batch.pk,
        "quantity": 1,
        "occurred_on": D(2016, 2, 1),
        "recipient": "石桥驿镇",
        "purpose": "转移安置",
    } | {field: value}
    with pytest.raises(ServiceError) as exc:
        services.issue(**args)
    assert exc.value.errors == {field: [message]}


# ------------------------------------------------------------------------------------ transfers


def test_a_transfer_is_one_out_and_one_in_written_together(depot_world, monkeypatch):
    w = depot_world
    batch = _purchase(
        w, "city", "tent", 500, D(2016, 5, 1), number="ZP-C", by="c1", confirm="c2"
    ).batch
    out, into = services.transfer(
        user=w["c1"],
        from_depot_id=w["city"].pk,
        to_depot_id=w["dongbao"].pk,
        batch_id=batch.pk,
        quantity=200,
        occurred_on=D(2016, 7, 1),
    )
    assert (out.quantity, into.quantity) == (-200, 200)
    assert (out.counterpart_id, into.counterpart_id) == (into.pk, out.pk)
    _confirmed(out, w["c2"])
    _confirmed(into, w["k1"])  # any 东宝区 keeper receives what the city keeper sent
    assert selectors.position_as_of(D(2016, 7, 1)) == {
        (w["city"].pk, w["tent"].pk): 300,
        (w["dongbao"].pk, w["tent"].pk): 200,
    }
    # A failure while writing the receiving side leaves neither side behind.
    real = services.audit.record_created

    def fail_on_the_receiving_side(instance, **kwargs):
        if getattr(instance, "kind", "") == MovementKind.TRANSFER_IN:
            raise RuntimeError("disk full")
        return real(instance, **kwargs)

    monkeypatch.setattr(services.audit, "record_created", fail_on_the_receiving_side)
    before = Movement.objects.count()
    with pytest.raises(RuntimeError):
        services.transfer(
            user=w["c1"],
            from_depot_id=w["city"].pk,
            to_depot_id=w["dongbao"].pk,
            batch_id=batch.pk,
            quantity=50,
            occurred_on=D(2016, 7, 2),
        )
    assert Movement.objects.count() == before
    monkeypatch.undo()
    with pytest.raises(ServiceError) as exc:  # not beyond the sender's stock either
        services.transfer(
            user=w["c1"],
            from_depot_id=w["city"].pk,
            to_depot_id=w["dongbao"].pk,
            batch_id=batch.pk,
            quantity=301,
            occurred_on=D(2016, 7, 2),
        )
    assert "quantity" in exc.value.errors
    assert Movement.objects.count() == before


# ------------------------------------------------------------------------------ counts, findings


def test_a_count_difference_becomes_a_finding_the_county_explains(depot_world):
    w = depot_world
    tents = _purchase(w, "dongbao", "tent", 300, D(2016, 1, 10), number="ZP-1").batch
    quilts = _purchase(w, "dongbao", "quilt", 1000, D(2016, 1, 10), number="MB-1").batch
    _issue(w, tents, 20, D(2016, 2, 1))
    count = services.record_count(
        user=w["k1"],
        depot_id=w["dongbao"].pk,
        counted_on=D(2016, 6, 30),
        lines={tents.pk: 278, quilts.pk: 1000},
    )
    lines = {ln.batch_id: (ln.ledger_quantity, ln.counted_quantity) for ln in count.lines.all()}
    assert lines == {tents.pk: (280, 278), quilts.pk: (1000, 1000)}
    finding = Finding.objects.get()
    assert (finding.difference, finding.status, finding.line.batch) == (-2, "open", tents)
    assert indicators.violations_by_region(D(2016, 7, 1)) == {w["dongbao"].region_id: 1}
    with pytest.raises(ServiceError) as unconfirmed:
        services.resolve_finding(
            user=w["approver"], finding_id=finding.pk, explanation="运输破损两顶"
        )
    assert unconfirmed.value.errors == {"status": ["盘点尚未经第二名保管员复核，暂不能说明"]}
    services.confirm_count(user=w["k2"], count_id=count.pk)
    with pytest.raises(ServiceError) as keeper:
        services.resolve_finding(user=w["k2"], finding_id=finding.pk, explanation="运输破损两顶")
    assert keeper.value.status == 403
    with pytest.raises(ServiceError) as short:
        services.resolve_finding(user=w["approver"], finding_id=finding.pk, explanation="破损")
    assert short.value.errors == {"explanation": ["请写明差异原因（至少4个字）"]}
    finding = services.resolve_finding(
        user=w["approver"],
        finding_id=finding.pk,
        explanation="运输破损两顶，已报损",
        on=D(2016, 7, 5),
    )
    assert finding.status == FindingStatus.RESOLVED
    adjustment = finding.adjustment
    assert (adjustment.quantity, adjustment.occurred_on, adjustment.status) == (
        -2,
        D(2016, 6, 30),
        MovementStatus.CONFIRMED,
    )
    assert (adjustment.recorded_by, adjustment.confirmed_by) == (w["k1"], w["k2"])
    assert selectors.position_as_of(D(2016, 6, 30))[(w["dongbao"].pk, w["tent"].pk)] == 278
    # Unexplained on 1 July, explained on 5 July.
    assert indicators.violations_by_region(D(2016, 7, 1)) == {w["dongbao"].region_id: 1}
    assert indicators.violations_by_region(D(2016, 7, 5)) == {}
    rows, last = selectors.reconciliation(w["dongbao"])
    by_item = {r["item"].code: (r["ledger"], r["count_ledger"], r["counted"]) for r in rows}
    assert last == count
    assert by_item == {"ZP01": (278, 280, 278), "MB01": (1000, 1000, 1000)}


def test_target_3_2_counts_late_confirmations_and_rolls_up(depot_world, settings):
    w = depot_world
    from django.utils import timezone

    m1 = _purchase(w, "dongbao", "tent", 10, D(2016, 1, 10), number="ZP-L1", confirm=None)
    m2 = _purchase(w, "dongbao", "tent", 10, D(2016, 1, 10), number="ZP-L2", confirm=None)
    m3 = _purchase(w, "dongbao", "tent", 10, D(2016, 1, 10), number="ZP-L3", confirm=None)
    tz = timezone.get_current_timezone()
    # Recorded Friday 2016-03-04: due by Tuesday 03-08 (two working days).
    friday = dt.datetime(2016, 3, 4, 10, 0, tzinfo=tz)
    Movement.objects.filter(pk__in=[m1.pk, m2.pk, m3.pk]).update(recorded_at=friday)
    Movement.objects.filter(pk=m1.pk).update(
        status="confirmed",
        confirmed_by=w["k2"],
        confirmed_at=dt.datetime(2016, 3, 8, 17, 0, tzinfo=tz),
    )
    Movement.objects.filter(pk=m2.pk).update(
        status="confirmed",
        confirmed_by=w["k2"],
        confirmed_at=dt.datetime(2016, 3, 9, 9, 0, tzinfo=tz),
    )
    # m3 stays pending.
    cases = [
        (D(2016, 3, 8), 0),  # both late ones still within their time
        (D(2016, 3, 9), 2),  # m2 confirmed a day late, m3 still pending past its day
        (D(2017, 1, 1), 0),  # a new year starts from zero
    ]
    for on, expected in cases:
        got = indicators.violations_by_region(on)
        assert sum(got.values()) == expected, on
    from minzheng.targets.indicators import compute_spec, get

    assert get("relief_supplies_violations").kind == "computed"
    regions = list(Region.objects.prefetch_related("members"))
    values = compute_spec("relief_supplies_violations").func(regions, D(2016, 3, 9))
    assert (values["420802"], values["420800"], values["420881"]) == (2, 2, 0)


# --------------------------------------------------------------------------------- stock position


POSITION_CASES = [
    # date, {(depot, item): quantity} worked by hand from the ledger in _position_ledger
    (D(2016, 1, 9), {}),
    (D(2016, 1, 10), {("dongbao", "tent"): 300}),
    (D(2016, 2, 5), {("dongbao", "tent"): 180}),
    (D(2016, 2, 29), {("dongbao", "tent"): 180, ("dongbao", "quilt"): 1000}),
    (D(2016, 3, 15), {("dongbao", "tent"): 130, ("dongbao", "quilt"): 1000, ("city", "tent"): 50}),
    (D(2016, 3, 31), {("dongbao", "tent"): 130, ("dongbao", "quilt"): 1000, ("city", "tent"): 50}),
    (D(2016, 5, 20), {("dongbao", "tent"): 130, ("dongbao", "quilt"): 600, ("city", "tent"): 50}),
]


def _position_ledger(w):
    """The ledger the cases are worked from:
    01-10 purchase 300 tents (东宝区); 02-05 issue 120 tents; 02-20 purchase 1,000 quilts;
    03-15 transfer 50 tents 东宝区 → city; 03-20 issue 30 tents, never confirmed;
    05-20 issue 400 quilts."""
    tents = _purchase(w, "dongbao", "tent", 300, D(2016, 1, 10), number="ZP-P").batch
    _issue(w, tents, 120, D(2016, 2, 5))
    quilts = _purchase(w, "dongbao", "quilt", 1000, D(2016, 2, 20), number="MB-P").batch
    out, into = services.transfer(
        user=w["k1"],
        from_depot_id=w["dongbao"].pk,
        to_depot_id=w["city"].pk,
        batch_id=tents.pk,
        quantity=50,
        occurred_on=D(2016, 3, 15),
    )
    _confirmed(out, w["k2"])
    _confirmed(into, w["c1"])
    _issue(w, tents, 30, D(2016, 3, 20), confirm=None)
    _issue(w, quilts, 400, D(2016, 5, 20))


def _named(w, position):
    names = {w[k].pk: k for k in ("dongbao", "city", "zhongxiang")}
    items = {w[k].pk: k for k in ("tent", "quilt", "water")}
    return {(names[d], items[i]): q for (d, i), q in position.items() if q}


@pytest.mark.parametrize("on, expected", POSITION_CASES)
def test_stock_position_on_a_past_date(depot_world, on, expected):
    w = depot_world
    _position_ledger(w)
    assert _named(w, selectors.ledger_position_as_of(on)) == expected
    assert _named(w, selectors.position_as_of(on)) == expected  # no snapshots yet
    snapshots.refresh(through=D(2016, 4, 30))
    assert _named(w, selectors.position_as_of(on)) == expected  # snapshots + movements since


def test_a_back_dated_confirmation_moves_the_snapshots(depot_world):
    w = depot_world
    _position_ledger(w)
    assert (
        snapshots.refresh(through=D(2016, 4, 30)) == 4 + 3 + 2
    )  # tent Jan–Apr, quilt Feb–Apr, city Mar–Apr
    water = _purchase(
        w, "dongbao", "water", 80, D(2016, 1, 20), number="YS-1", expires=D(2016, 12, 31)
    )
    extra = _purchase(w, "dongbao", "tent", 10, D(2016, 2, 10), number="ZP-Q")
    assert water.status == extra.status == MovementStatus.CONFIRMED
    for on in (D(2016, 1, 31), D(2016, 2, 29), D(2016, 4, 30), D(2016, 5, 31)):
        assert selectors.position_as_of(on) == {
            k: v for k, v in selectors.ledger_position_as_of(on).items()
        }, on
    assert _named(w, selectors.position_as_of(D(2016, 4, 30)))[("dongbao", "water")] == 80


def test_expiry_list_flags_expired_and_near_batches(depot_world):
    w = depot_world
    today = dt.date.today()
    _purchase(
        w,
        "dongbao",
        "water",
        50,
        today - dt.timedelta(days=400),
        number="YS-OLD",
        expires=today - dt.timedelta(days=3),
    )
    _purchase(
        w,
        "dongbao",
        "water",
        60,
        today - dt.timedelta(days=300),
        number="YS-NEAR",
        expires=today + dt.timedelta(days=20),
    )
    _purchase(
        w,
        "dongbao",
        "water",
        70,
        today - dt.timedelta(days=10),
        number="YS-FAR",
        expires=today + dt.timedelta(days=200),
    )
    rows = selectors.expiring(w["k1"], within_days=30, today=today)
    assert [(r["batch"].number, r["quantity"], r["days_left"], r["expired"]) for r in rows] == [
        ("YS-OLD", 50, -3, True),
        ("YS-NEAR", 60, 20, False),
    ]
    assert selectors.expiring(w["z1"], within_days=30, today=today) == []


# ------------------------------------------------------------------------------------------ API


def test_api_scope_and_input(depot_world, api_client):
    w = depot_world
    batch = _purchase(w, "dongbao", "tent", 100, D(2016, 1, 10), number="ZP-A").batch
    api = api_client.login("keeper1")
    depot = w["dongbao"].pk
    r = api.post(
        f"/api/v1/depots/{depot}/issues",
        {
            "batch_id": batch.pk,
            "quantity": 101,
            "occurred_on": "2016-02-01",
            "recipient": "子陵铺镇",
            "purpose": "洪灾安置",
        },
    )
    assert r.status_code == 422, r.content
    assert "帐篷批次ZP-A可用库存100顶，不足101顶" in str(r.json())
    r = api.post(
        f"/api/v1/depots/{depot}/issues",
        {
            "batch_id": batch.pk,
            "quantity": 0,
            "occurred_on": "2016-02-01",
            "recipient": "子陵铺镇",
            "purpose": "洪灾安置",
        },
    )
    assert r.status_code == 422
    r = api.post(
        f"/api/v1/depots/{depot}/issues",
        {
            "batch_id": batch.pk,
            "quantity": 30,
            "occurred_on": "2016-02-01",
            "recipient": "子陵铺镇",
            "purpose": "洪灾安置",
            "reference": "灾情 #12",
        },
    )
    assert r.status_code == 201, r.content
    issued = r.json()
    assert (issued["quantity"], issued["status_label"], issued["reference"]) == (
        -30,
        "待复核",
        "灾情 #12",
    )
    r = api.post(f"/api/v1/depots/movements/{issued['id']}/confirm")
    assert r.status_code == 422
    assert "登记人不能复核自己登记的记录" in str(r.json())
    # 钟祥市's keeper: 东宝区's depot and its records are not there.
    other = api_client.login("zx_keeper1")
    assert other.get(f"/api/v1/depots/{depot}").status_code == 404
    assert other.get(f"/api/v1/depots/{depot}/position").status_code == 404
    assert other.post(f"/api/v1/depots/movements/{issued['id']}/confirm").status_code == 404
    assert [d["name"] for d in other.get("/api/v1/depots").json()["items"]] == [
        "钟祥市救灾物资储备库"
    ]
    second = api_client.login("keeper2")
    r = second.post(f"/api/v1/depots/movements/{issued['id']}/confirm")
    assert r.status_code == 200, r.content
    assert r.json()["confirmed_by"] == "keeper2"
    again = second.post(f"/api/v1/depots/movements/{issued['id']}/confirm")
    assert again.status_code == 409
    county = api_client.login("dongbao_approver")
    r = county.post(
        f"/api/v1/depots/{depot}/issues",
        {
            "batch_id": batch.pk,
            "quantity": 1,
            "occurred_on": "2016-02-01",
            "recipient": "子陵铺镇",
            "purpose": "洪灾安置",
        },
    )
    assert r.status_code == 403
    second = api_client.login("keeper2")
    r = second.get(f"/api/v1/depots/{depot}/position", on="2016-02-01")
    assert r.json()["rows"] == [
        {
            "depot_id": depot,
            "depot_name": "东宝区救灾物资储备库",
            "item_code": "ZP01",
            "item_name": "帐篷",
            "unit": "顶",
            "quantity": 70,
        }
    ]
    r = second.post(
        f"/api/v1/depots/{depot}/counts",
        {"counted_on": "2016-03-01", "lines": [{"batch_id": batch.pk, "counted": 69}]},
    )
    assert r.status_code == 201, r.content
    assert r.json()["lines"][0]["difference"] == -1
    assert r.json()["findings"] == 1
    r = second.get("/api/v1/depots/findings", status="open")
    assert [f["difference"] for f in r.json()["items"]] == [-1]


# ---------------------------------------------------------------------------------------- pages


def test_pages_for_the_keeper_and_scope(depot_world, client):
    w = depot_world
    batch = _purchase(w, "dongbao", "tent", 100, D(2016, 1, 10), number="ZP-W").batch
    client.login(username="keeper1", password="pass-word-123")
    depot = w["dongbao"].pk
    for url in (
        "/depots/",
        f"/depots/{depot}/",
        f"/depots/{depot}/?on=2016-01-09",
        f"/depots/{depot}/?on=0001-01-01",  # out of range: today
        "/depots/export/?on=9999-12-31",
        f"/depots/{depot}/receive/",
        f"/depots/{depot}/issue/",
        f"/depots/{depot}/transfer/",
        f"/depots/{depot}/count/",
        "/depots/pending/",
        "/depots/findings/",
        "/depots/expiry/?days=30",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/depots/{w['zhongxiang'].pk}/").status_code == 404
    assert client.get(f"/depots/{w['zhongxiang'].pk}/issue/").status_code == 404
    r = client.post(
        f"/depots/{depot}/issue/",
        {
            "batch": batch.pk,
            "quantity": 101,
            "occurred_on": "2016-02-01",
            "recipient": "子陵铺镇",
            "purpose": "洪灾安置",
        },
    )
    assert r.status_code == 422
    assert "帐篷批次ZP-W可用库存100顶，不足101顶" in r.content.decode()
    r = client.get("/depots/export/?on=2016-01-31")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    from minzheng.core import sheets

    rows = sheets.read_rows(r.content, name="x.xlsx")
    assert rows[1][-3:] == ["帐篷", "顶", 100]
    client.logout()
    client.login(username="dongbao_approver", password="pass-word-123")
    assert client.get(f"/depots/{depot}/").status_code == 200
    assert client.get(f"/depots/{depot}/issue/").status_code == 403  # reads, keeps nothing


# ----------------------------------------------------------------------------------------- demo


def test_demo_depots_tell_the_year_and_add_nothing_twice(jingmen, users):
    from minzheng.accounts.models import Role, User
    from minzheng.depots.catalogue import load_catalogue
    from minzheng.depots.demo import seed_demo_depots
    from minzheng.depots.models import Depot, Item

    load_catalogue(Item)

    for name in ("depot_keeper", "depot_keeper2"):
        User.objects.create_user(
            username=name,
            password="pass-word-123",
            role=Role.DEPOT_KEEPER,
            region=jingmen["dongbao"],
        )
    first = seed_demo_depots()
    assert (
        first["depots"] == 1 + Region.objects.filter(parent__code="420800", level="county").count()
    )
    assert seed_demo_depots() == {"depots": 0}
    dongbao = Depot.objects.get(name="东宝区救灾物资储备库")
    items = {i.code: i.pk for i in Item.objects.all()}
    july = selectors.position_as_of(D(2016, 7, 3), depots=[dongbao.pk])
    # tents 250 + 150 from the city − 180 issued; quilts 2,000 + 500 + 1,000 − 1,200
    assert july[(dongbao.pk, items["ZP01"])] == 220
    assert july[(dongbao.pk, items["MB01"])] == 2300
    year_end = selectors.position_as_of(D(2016, 12, 31), depots=[dongbao.pk])
    assert year_end[(dongbao.pk, items["MB01"])] == 2300 - 3 - 400
    assert year_end == selectors.ledger_position_as_of(D(2016, 12, 31), depots=[dongbao.pk])
    assert indicators.violations_by_region(D(2016, 12, 31)) == {jingmen["dongbao"].pk: 1}
    keeper2 = User.objects.get(username="depot_keeper2")
    pending_movements, _counts = selectors.pending_for_keeper(keeper2)
    assert [m.quantity for m in pending_movements] == [300]
    expiring = selectors.expiring(keeper2, within_days=30, today=dt.date.today())
    assert [(r["quantity"], r["expired"]) for r in expiring] == [(80, True), (200, False)]


# --------------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issues_cannot_overdraw(depot_world):
    """Two keepers issue 60 of 100 at the same moment: the depot row lock makes the second wait
    for the first and then see its 60 held back, so exactly one is recorded."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time whatever the code does")
    w = depot_world
    batch = _purchase(w, "dongbao", "tent", 100, D(2016, 1, 10), number="ZP-RACE").batch
    start = threading.Barrier(2)
    outcomes = []

    def issue(keeper):
        try:
            start.wait()
            services.issue(
                user=keeper,
                depot_id=w["dongbao"].pk,
                batch_id=batch.pk,
                quantity=60,
                occurred_on=D(2016, 2, 1),
                recipient="石桥驿镇",
                purpose="洪灾转移安置",
            )
            outcomes.append("issued")
        except ServiceError as exc:
            outcomes.append(exc.errors["quantity"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(w[k],)) for k in ("k1", "k2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["issued", "帐篷批次ZP-RACE可用库存40顶，不足60顶"]
    assert Movement.objects.filter(kind=MovementKind.ISSUE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_snapshot_job_builds_through_last_month(depot_world):
    from minzheng.core import jobs
    from minzheng.depots.jobs import SNAPSHOT_JOB

    w = depot_world
    _position_ledger(w)
    row = jobs.enqueue(SNAPSHOT_JOB, user=w["admin"], dispatch_on_commit=False)
    done = jobs.execute(str(row.pk))
    assert done.status == "succeeded", done.error
    assert done.result["snapshots"] > 0
    assert selectors.horizon() == selectors.previous_month(selectors.month_start(dt.date.today()))
    for on, _expected in POSITION_CASES:
        assert selectors.position_as_of(on) == selectors.ledger_position_as_of(on)
