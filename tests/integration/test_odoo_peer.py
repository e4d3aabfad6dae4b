"""The Odoo peer answers the real odoorpc client as Odoo 17 does (see tests/peers/odoo_peer.py
for what was checked against odoorpc's source): if these fail, the sync's tests prove nothing."""

from datetime import datetime, timedelta

import odoorpc
import pytest

from tests.peers.odoo_peer import OdooPeer


@pytest.fixture
def peer():
    with OdooPeer() as odoo:
        odoo.clock = lambda: datetime(2026, 3, 1, 1, 0, 5, 250_000)
        yield odoo


@pytest.fixture
def client(peer):
    connection = odoorpc.ODOO("127.0.0.1", port=peer.port)
    connection.login("odoo", "sync", "secret")
    return connection


def test_login_reads_the_version_then_logs_in_and_fetches_the_context(peer, client):
    assert client.version == "17.0"
    assert client.env.uid == 2 and client.env.context["tz"] == "Asia/Shanghai"
    assert peer.calls == [("res.users", "context_get")]
    assert peer.round_trips == 3  # version_info, common.login, object.execute context_get


def test_a_wrong_password_is_odoorpcs_login_error(peer):
    connection = odoorpc.ODOO("127.0.0.1", port=peer.port)
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        connection.login("odoo", "sync", "nope")


def test_models_are_proxied_from_fields_get_and_found_in_ir_model(peer, client):
    assert "helpdesk.ticket" in client.env and "no.such" not in client.env
    partners = client.env["res.partner"]
    assert partners._columns["membership_state"].selection[0] == ["none", "Non Member"]
    assert ("res.partner", "fields_get") in peer.calls
    assert peer.count("ir.model", "search") == 2


def test_write_date_is_read_to_the_second_and_compared_to_the_microsecond(peer, client):
    partner = peer.add("res.partner", name="A", mobile="13900070001")
    partners = client.env["res.partner"]
    [row] = partners.search_read([], fields=["write_date"])
    assert row["write_date"] == "2026-03-01 01:00:05"
    assert partners.search([("write_date", ">", "2026-03-01 01:00:05")]) == [partner]
    assert partners.search([("write_date", "=", "2026-03-01 01:00:05")]) == []


def test_search_read_pages_and_orders_and_gives_many2one_as_pairs(peer, client):
    partner = peer.add("res.partner", name="王芳")
    stamps = iter([datetime(2026, 3, 1, 1, 0, 0, 0) + timedelta(seconds=s) for s in (3, 1, 2)])
    peer.clock = lambda: next(stamps)
    for name in ("S3", "S1", "S2"):
        peer.add("sale.order", name=name, partner_id=partner, state="sale")
    orders = client.env["sale.order"]
    rows = orders.search_read(
        [("partner_id.name", "=", "王芳")],
        fields=["name", "partner_id"],
        limit=2,
        offset=1,
        order="write_date asc, id asc",
    )
    assert [r["name"] for r in rows] == ["S2", "S3"]
    assert rows[0]["partner_id"] == [partner, "王芳"]
    assert orders.read([1], ["partner_id"], load="_classic_write")[0]["partner_id"] == partner
    assert orders.search_count(["|", ("name", "=", "S1"), ("name", "=", "S2")]) == 2


def test_create_answers_an_id_for_a_dict_and_ids_for_a_list(client):
    tickets = client.env["helpdesk.ticket"]
    assert tickets.create({"name": "[C1] a"}) == 1
    assert tickets.create([{"name": "[C2] b"}, {"name": "[C3] c"}]) == [2, 3]


def test_errors_come_in_odoos_format(peer, client):
    peer.deny("sale.order", "read")
    with pytest.raises(odoorpc.error.RPCError) as denied:
        client.env["sale.order"].search_read([], fields=["name"])
    assert denied.value.info["code"] == 200
    assert denied.value.info["data"]["name"] == "odoo.exceptions.AccessError"
    assert str(denied.value).startswith("You are not allowed to access 'Sales Order'")
    with pytest.raises(odoorpc.error.RPCError, match="Invalid field 'nope'"):
        client.env["res.partner"].search_read([], fields=["nope"])
    with pytest.raises(odoorpc.error.RPCError, match="mandatory field is not set"):
        client.env["helpdesk.ticket"].create({"priority": "1"})


def test_a_call_is_one_transaction(peer, client):
    first = peer.add("res.partner", name="A")
    second = peer.add("res.partner", name="B")
    peer.constraints["res.partner"] = lambda row: "no C" if row["name"] == "C" else None
    with pytest.raises(odoorpc.error.RPCError) as refused:
        client.env["res.partner"].write([first, second], {"name": "C"})
    assert refused.value.info["data"]["name"] == "odoo.exceptions.ValidationError"
    assert [peer.record("res.partner", i)["name"] for i in (first, second)] == ["A", "B"]


def test_archived_records_are_left_out_unless_asked_for(peer, client):
    peer.add("res.partner", name="A")
    peer.add("res.partner", name="B", active=False)
    partners = client.env["res.partner"]
    assert partners.search_count([]) == 1
    assert partners.search_count([("active", "in", [True, False])]) == 2
