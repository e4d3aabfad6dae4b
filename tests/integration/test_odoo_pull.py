"""Pulling from Odoo through the real odoorpc client, against a local peer that speaks Odoo's
JSON-RPC: members and purchases made once, incremental by write_date, resumable after a crash,
conflicts logged, and every failure a clear error."""

import ipaddress
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from tests.factories import password_hash
from tests.fixtures_odoo import (
    PEER_START,
    add_order,
    add_partner,
    partner_id_number,
    partner_phone,
    reconfigure,
)
from tests.peers.odoo_peer import OdooPeer
from tests.pii import clear_personal_data
from workbench.crm.errors import (
    OdooFieldMissing,
    OdooLoginFailed,
    OdooNotConfigured,
    OdooUnreachable,
)
from workbench.crm.models import PartnerLink, SyncCursor, SyncIssue, SyncRun
from workbench.errors import ConfigError
from workbench.members.models import (
    CardStatus,
    Member,
    MemberCard,
    MemberStatus,
    PointsEntry,
    Purchase,
)


def members(wb) -> list[Member]:
    with wb.sessions() as session:
        return list(session.scalars(select(Member).order_by(Member.id)))


def purchases(wb) -> list[Purchase]:
    with wb.sessions() as session:
        return list(session.scalars(select(Purchase).order_by(Purchase.id)))


def points_total(wb) -> int:
    with wb.sessions() as session:
        return int(session.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0))))


def issues(wb, kind: str | None = None) -> list[SyncIssue]:
    with wb.sessions() as session:
        query = select(SyncIssue).order_by(SyncIssue.id)
        if kind:
            query = query.where(SyncIssue.kind == kind)
        return list(session.scalars(query))


def by_phone(wb, phone: str) -> Member | None:
    with wb.sessions() as session:
        return wb.registry.find_by_phone(session, phone)


def columns(row) -> tuple:
    return tuple((c.name, getattr(row, c.name)) for c in row.__table__.columns)


def snapshot(wb) -> dict:
    """Everything a pull could change, ciphertexts included (a rewrite has a fresh nonce)."""
    with wb.sessions() as session:
        rows = {}
        for table in (Member, MemberCard, Purchase, PointsEntry, PartnerLink):
            rows[table.__tablename__] = [columns(row) for row in session.scalars(select(table))]
        return rows


def test_pull_takes_member_partners_and_their_confirmed_orders(wb, world, odoo, sync):
    plain = add_partner(odoo, 1)
    with_id = add_partner(odoo, 2, with_id=True, city="上海", zip="200120")
    add_partner(odoo, 3, is_company=True)  # a company is not a member
    customer = add_partner(odoo, 4, membership_state="none")  # a customer, not a member
    landline = add_partner(odoo, 5, mobile=False, phone="021 5555 1234")  # no SMS to it
    wrong_id = partner_id_number(6)[:-1] + ("0" if partner_id_number(6)[-1] != "0" else "1")
    bad_id = add_partner(odoo, 6, x_id_number=wrong_id)
    add_order(odoo, plain, 128.5)
    add_order(odoo, plain, 99.0, state="draft")  # a quotation
    add_order(odoo, with_id, 300.0, model="pos.order")
    add_order(odoo, with_id, -20.0, model="pos.order")  # a refund
    add_order(odoo, customer, 500.0)  # not a member's order

    report = sync.pull(actor=world.staff["admin"])

    assert report.outcome == "ok" and report.failures == []
    assert report.counts["members_created"] == 2
    first, second = by_phone(wb, partner_phone(1)), by_phone(wb, partner_phone(2))
    assert first is not None and second is not None
    assert len(members(wb)) == 3  # the world's member and these two
    with wb.sessions() as session:
        record = wb.registry.record(session, second)
        hq = wb.registry.record(session, first).store_code
    assert record.fields["name"] == "会员2" and record.fields["email"] == "m2@example.com"
    assert record.fields["id_number"] == partner_id_number(2)
    assert record.fields["birthday"] == "1985-06-07"
    assert record.fields["address"] == "上海市浦东新区张江路1号 上海 200120"
    assert wb.registry.decrypt(first)["id_number"] is None  # Odoo held none for this one
    assert hq == "HQ" and first.status == MemberStatus.ACTIVE and not first.consent_marketing
    assert record.card_status == CardStatus.ISSUED
    bought = {p.external_ref: p for p in purchases(wb)}
    assert set(bought) == {f"odoo:sale.order:{1}", f"odoo:pos.order:{1}"}
    assert bought["odoo:sale.order:1"].amount == Decimal("128.50")
    assert bought["odoo:sale.order:1"].points_earned == 128  # regular: 1 point per yuan
    assert bought["odoo:pos.order:1"].member_id == second.id
    assert f"{bought['odoo:sale.order:1'].occurred_at:%Y-%m-%d %H:%M}" == "2026-02-20 03:00"
    assert points_total(wb) == 128 + 300
    assert report.counts["orders_read"] == 3  # the member orders only; the refund earns nothing
    # a refund naming no original order is listed (test_odoo_points_rules: one that does)
    [refund] = [i for i in issues(wb, "skipped") if i.model == "pos.order"]
    assert refund.odoo_id == 2 and refund.member_id == second.id
    skipped = {i.odoo_id: i for i in issues(wb, "skipped") if i.model == "res.partner"}
    assert set(skipped) == {landline, bad_id}
    assert skipped[landline].field_names == "phone" and "mobile" in skipped[landline].reason
    assert skipped[bad_id].field_names == "id_number"
    assert (
        clear_personal_data(
            repr([(i.reason, i.field_names) for i in skipped.values()]).encode(),
            needles=["021 5555 1234", wrong_id, "会员5", "会员6"],
        )
        == []
    )


def test_a_second_pull_changes_nothing(wb, world, odoo, sync, clock):
    for serial in range(1, 6):
        partner = add_partner(odoo, serial, with_id=serial % 2 == 0)
        add_order(odoo, partner, 10.0 * serial)
        add_order(odoo, partner, 5.0, model="pos.order")
    sync.pull()
    before = snapshot(wb)

    report = sync.pull()
    assert snapshot(wb) == before
    assert report.counts["members_created"] == report.counts["purchases_created"] == 0

    # Within the overlap window every record is read again: still nothing changes.
    clock.set(clock.now() - timedelta(days=1))
    report = sync.pull()
    assert report.counts["partners_read"] >= 5 and report.counts["orders_read"] >= 10
    assert snapshot(wb) == before


def test_an_incremental_pull_reads_only_what_changed(wb, world, odoo, sync):
    ids = [add_partner(odoo, serial) for serial in range(1, 8)]
    for partner in ids:
        add_order(odoo, partner, 100.0)
    sync.pull()
    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", ids[2], email="new.address@example.com")
    newcomer = add_partner(odoo, 8)
    add_order(odoo, newcomer, 50.0)
    add_order(odoo, ids[0], 20.0)

    report = sync.pull()

    assert report.counts["partners_read"] == 2 and report.counts["orders_read"] == 2
    assert report.counts["members_created"] == 1 and report.counts["members_updated"] == 1
    assert report.counts["purchases_created"] == 2
    changed = by_phone(wb, partner_phone(3))
    assert wb.registry.decrypt(changed)["email"] == "new.address@example.com"
    assert len(purchases(wb)) == 9
    with wb.sessions() as session:
        cursor = session.get(SyncCursor, "res.partner")
    assert cursor.second == f"{odoo.clock.at:%Y-%m-%d %H:%M:%S}"


def test_a_crowded_second_is_read_by_id_without_looping_or_losing_a_record(wb, world, odoo, sync):
    odoo.clock.at = odoo.clock.at.replace(microsecond=0)
    odoo.clock.step = timedelta(0)  # one bulk import: every record has the same stamp, .000000
    for serial in range(1, 11):
        add_partner(odoo, serial)

    report = sync.pull()

    assert report.counts["members_created"] == 10
    # one full page inside one second, then that second by id (3+3+3+1), then past it
    assert odoo.count("res.partner", "search_read") == 6


def test_a_record_stamped_at_the_very_start_of_the_cursors_second_is_taken(wb, world, odoo, sync):
    odoo.clock.at = odoo.clock.at.replace(microsecond=500_000)
    add_partner(odoo, 1)
    sync.pull()  # the cursor: that second
    # A save that began at the start of that second and committed after the pull.
    odoo.clock.at = odoo.clock.at.replace(microsecond=0) - odoo.clock.step
    add_partner(odoo, 2)

    assert sync.pull().counts["members_created"] == 1


@pytest.mark.parametrize("overlap", [300, 0])
def test_a_slow_save_stamped_behind_the_cursor_is_caught_by_the_overlap(
    wb, world, odoo, clock, overlap
):
    sync = reconfigure(wb, odoo, odoo_overlap_seconds=overlap)
    clock.set(PEER_START.replace(tzinfo=UTC) + timedelta(minutes=2))
    add_partner(odoo, 1)
    odoo.clock.jump(seconds=30)
    add_partner(odoo, 2)
    sync.pull()  # the cursor: 30 s after the first partner
    odoo.clock.at = PEER_START + timedelta(seconds=10)  # a save that began before that
    add_partner(odoo, 3)

    created = sync.pull().counts["members_created"]

    assert created == (1 if overlap else 0)  # without an overlap it is lost: hence the setting


@pytest.mark.parametrize("calls_before_the_cut", [7, 9, 13, 16])
def test_a_pull_cut_off_half_way_resumes_and_loses_nothing(
    wb, world, odoo, sync, calls_before_the_cut
):
    for serial in range(1, 9):
        partner = add_partner(odoo, serial)
        add_order(odoo, partner, 10.0 * serial)
        add_order(odoo, partner, 1.0 * serial, model="pos.order")
    odoo.fail_after = calls_before_the_cut

    with pytest.raises(OdooUnreachable, match="the connection broke"):
        sync.pull()
    assert len(members(wb)) < 9 or len(purchases(wb)) < 16  # it really stopped half-way

    odoo.fail_after = None
    sync.pull()

    assert len(members(wb)) == 9
    refs = [p.external_ref for p in purchases(wb)]
    assert len(refs) == len(set(refs)) == 16
    assert points_total(wb) == sum(10 * s + s for s in range(1, 9))
    with wb.sessions() as session:
        outcomes = list(session.scalars(select(SyncRun.outcome).order_by(SyncRun.id)))
    assert outcomes == ["failed", "ok"]


def test_a_killed_pull_process_resumes_from_its_cursor(wb, world, odoo, sync, keyring, db_url):
    """The real thing: `workbench odoo pull` in its own process, SIGKILLed while it waits for a
    page of orders; the next pull finishes the job without a duplicate."""
    for serial in range(1, 7):
        partner = add_partner(odoo, serial)
        for amount in (10.0, 20.0, 30.0):
            add_order(odoo, partner, amount)
    with wb.sessions() as session:
        session.get(
            type(world.staff["admin"]), world.staff["admin"].id
        ).password_hash = password_hash("password1")
        session.commit()
    waiting, release = threading.Event(), threading.Event()
    pages = []

    def hold_fourth_order_page(model, method):
        """The orders share one second: the first page is that second's, read again by id
        (pages 2, 3…); page 4 is asked for once page 2 is written (one page is read ahead)."""
        if (model, method) == ("sale.order", "search_read"):
            pages.append(1)
            if len(pages) == 4:
                waiting.set()
                release.wait(30)

    odoo.on_call = hold_fourth_order_page
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": db_url,
        "WORKBENCH_KEYS_KEYRING": keyring.to_json(),
        "WORKBENCH_PASSWORD": "password1",
        "WORKBENCH_PROTECTION_TERMINAL_FILE": "/nonexistent/terminal.json",
        "WORKBENCH_ODOO_HOST": "127.0.0.1",
        "WORKBENCH_ODOO_PORT": str(odoo.port),
        "WORKBENCH_ODOO_DATABASE": "odoo",
        "WORKBENCH_ODOO_LOGIN": "sync",
        "WORKBENCH_ODOO_PASSWORD": "secret",
        "WORKBENCH_ODOO_BATCH_SIZE": "3",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "--user", "admin", "odoo", "pull"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert waiting.wait(60), process.stderr.read().decode()[-2000:]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
    odoo.on_call = None
    assert len(members(wb)) == 7 and 0 < len(purchases(wb)) < 18  # killed half-way
    with wb.sessions() as session:
        [killed] = session.scalars(select(SyncRun)).all()
    assert killed.outcome == "running"  # the process died with its run open

    report = sync.pull()

    refs = [p.external_ref for p in purchases(wb)]
    assert len(refs) == len(set(refs)) == 18
    assert points_total(wb) == 6 * 60
    assert report.counts["dead_runs_closed"] == 1  # the next run closed it, never left running
    with wb.sessions() as session:
        closed = session.get(SyncRun, killed.id)
        assert closed.outcome == "failed" and closed.finished_at is not None
        assert session.get(SyncRun, report.run_id).outcome == "ok"


def test_a_partner_holding_a_members_mobile_is_linked_not_duplicated(wb, world, odoo, sync):
    partner = odoo.add(
        "res.partner",
        name="张伟伟",
        mobile=world.app.phone,
        is_company=False,
        membership_state="paid",
        email="zhang.weiwei@example.com",
    )

    report = sync.pull()

    # another name on the member's mobile: held for customer service (test_odoo_identity)
    assert report.counts["identity_changes_held"] == 1 and report.counts["members_linked"] == 0
    assert wb.registry.decrypt(by_phone(wb, world.app.phone))["name"] == world.app.name
    [review] = wb.usecases.odoo.identity_reviews(world.staff["agent"])
    applied = wb.usecases.odoo.apply_identity(world.staff["agent"], review.id)

    assert applied.counts["members_linked"] == 1 and report.counts["members_created"] == 0
    assert len(members(wb)) == 1
    with wb.sessions() as session:
        link = session.scalar(select(PartnerLink))
        member = session.get(Member, world.member_id)
    assert (link.member_id, link.partner_id) == (world.member_id, partner)
    now = wb.registry.decrypt(member)
    assert now["name"] == "张伟伟"  # Odoo owns the contact data
    assert now["id_number"] == world.app.id_number  # Odoo has none: ours is kept
    [conflict] = issues(wb, "conflict")
    assert conflict.member_id == world.member_id and "name" in conflict.field_names.split(",")
    assert "张伟" not in conflict.reason


def test_contact_data_changed_on_both_sides_takes_odoos_and_logs_a_conflict(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    sync.pull()
    member = by_phone(wb, partner_phone(1))
    with wb.sessions() as session:  # an edit made in the workbench (e.g. an approved change)
        session.get(Member, member.id).email_enc = wb.cipher.encrypt("email", "here@example.com")
        session.commit()
    odoo.clock.jump(seconds=5)
    odoo.update("res.partner", partner, email="there@example.com")

    sync.pull()

    assert wb.registry.decrypt(by_phone(wb, partner_phone(1)))["email"] == "there@example.com"
    [conflict] = issues(wb, "conflict")
    assert conflict.field_names == "email" and conflict.odoo_id == partner
    assert "both" in conflict.reason and "@" not in conflict.reason


def test_one_person_twice_in_odoo_makes_one_member(wb, world, odoo, sync):
    first = add_partner(odoo, 1)
    twin = add_partner(odoo, 2, mobile=partner_phone(1))  # same page
    for serial in (3, 4, 5):
        add_partner(odoo, serial)
    later_twin = add_partner(odoo, 6, mobile=partner_phone(1))  # a later page

    sync.pull()

    assert len(members(wb)) == 1 + 4
    reasons: dict[int, list[str]] = {}
    for issue in issues(wb, "skipped"):
        reasons.setdefault(issue.odoo_id, []).append(issue.reason)
    assert set(reasons) == {twin, later_twin}
    assert f"the same mobile number as partner {first}" in reasons[twin][0]
    assert all(f"is linked to partner {first} already" in r for r in reasons[later_twin])


def test_orders_from_before_a_partner_qualified_are_fetched_when_it_does(wb, world, odoo, sync):
    good = add_partner(odoo, 1)
    broken = add_partner(odoo, 2, mobile="12345")
    add_order(odoo, good, 100.0)
    add_order(odoo, broken, 200.0)
    first = sync.pull()
    assert first.counts["orders_not_member"] == 1 and len(purchases(wb)) == 1

    odoo.clock.jump(seconds=30)
    odoo.update("res.partner", broken, mobile=partner_phone(2))  # fixed in Odoo
    report = sync.pull()

    assert report.counts["members_created"] == 1 and report.counts["orders_backfilled"] == 1
    fixed = by_phone(wb, partner_phone(2))
    assert [p.amount for p in purchases(wb) if p.member_id == fixed.id] == [Decimal("200.00")]
    with wb.sessions() as session:
        assert not session.get(PartnerLink, fixed.id).orders_backfill
    assert sync.pull().counts["purchases_created"] == 0


def test_a_member_who_left_is_not_filled_in_again(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    sync.pull()
    member = by_phone(wb, partner_phone(1))
    with wb.sessions() as session:
        wb.registry.terminate(
            session, member_no=member.member_no, reason="voluntary", actor=world.staff["admin"]
        )
        session.commit()
    odoo.clock.jump(seconds=5)
    odoo.update("res.partner", partner, name="会员一")
    add_order(odoo, partner, 80.0)

    report = sync.pull()

    with wb.sessions() as session:
        erased = session.get(Member, member.id)
    assert erased.name_enc is None and erased.phone_bidx is None
    assert report.counts["orders_member_left"] == 1 and len(purchases(wb)) == 0
    assert any("has left" in issue.reason for issue in issues(wb, "skipped"))


def test_check_reports_the_server_the_user_and_the_models(wb, world, odoo, sync):
    for serial in range(1, 4):
        add_order(odoo, add_partner(odoo, serial), 10.0)

    report = sync.check()

    assert report.version == "17.0" and report.user == "Workbench Sync (sync)"
    assert report.models == {
        "res.partner": True,
        "sale.order": True,
        "pos.order": True,
        "helpdesk.ticket": True,
    }
    assert report.counts == {"members": 3, "confirmed sale.order": 3, "confirmed pos.order": 0}
    assert report.problems == [] and report.round_trips > 0

    odoo.uninstall("helpdesk.ticket")
    odoo.uninstall("pos.order")
    del odoo.tables["res.partner"].fields["x_workbench_points"]
    report = sync.check()
    assert report.models["helpdesk.ticket"] is False and report.models["pos.order"] is False
    assert any("helpdesk.ticket is not installed" in note for note in report.notes)
    assert any("x_workbench_points" in note for note in report.notes)
    sync.pull()  # the models Odoo lacks are left out
    assert len(purchases(wb)) == 3


def test_unreachable_odoo_is_one_clear_error(wb, world, odoo):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sync = reconfigure(wb, odoo, odoo_port=port)
    with pytest.raises(OdooUnreachable, match=rf"Odoo at http://127.0.0.1:{port} is unreachable"):
        sync.pull()
    with wb.sessions() as session:
        run = session.scalar(select(SyncRun))
    assert run.outcome == "failed" and "unreachable" in run.summary


def test_not_odoo_at_all_is_one_clear_error(wb, world, odoo):
    import http.server

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sync = reconfigure(wb, odoo, odoo_port=server.server_address[1])
        with pytest.raises(OdooUnreachable, match="is this an Odoo server"):
            sync.check()
    finally:
        server.shutdown()
        server.server_close()


def test_wrong_credentials_and_database_are_clear_errors(wb, world, odoo):
    sync = reconfigure(wb, odoo, odoo_password=SecretStr("hunter2-wrong"))
    with pytest.raises(OdooLoginFailed, match="refused the login 'sync' on database 'odoo'") as exc:
        sync.pull()
    assert "hunter2" not in str(exc.value)
    sync = reconfigure(wb, odoo, odoo_database="nope")
    with pytest.raises(OdooLoginFailed, match="has no database 'nope'"):
        sync.check()
    sync = reconfigure(wb, odoo, odoo_password=None)
    with pytest.raises(OdooNotConfigured, match="WORKBENCH_ODOO_PASSWORD"):
        sync.pull()


def test_a_model_the_sync_user_may_not_read_is_reported_and_the_rest_go_on(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    add_order(odoo, partner, 10.0)
    add_order(odoo, partner, 20.0, model="pos.order")
    odoo.deny("sale.order", "read")

    report = sync.pull()

    assert report.outcome == "incomplete"
    assert report.failures == [
        "the Odoo user 'sync' may not read sale.order records (You are "
        "not allowed to access 'Sales Order' (sale.order) records.): grant "
        "it that right in Odoo, or leave sale.order out of the settings"
    ]
    assert [p.external_ref for p in purchases(wb)] == ["odoo:pos.order:1"]
    odoo.denied.clear()
    assert sync.pull().counts["purchases_created"] == 1  # its cursor never moved


def test_a_setting_naming_a_field_odoo_lacks_is_a_clear_error(wb, world, odoo, sync):
    del odoo.tables["res.partner"].fields["membership_state"]  # no Membership app
    with pytest.raises(
        OdooFieldMissing,
        match=r"res.partner has no field membership_state, "
        r"which \[odoo\] member_domain names",
    ):
        sync.pull()
    sync = reconfigure(wb, odoo, odoo_member_domain=[["is_company", "=", False]])
    odoo.add("res.partner", name="会员1", mobile=partner_phone(1), is_company=False)
    assert sync.pull().counts["members_created"] == 1


def test_only_an_admin_runs_the_sync(wb, world, odoo, sync):
    from workbench.errors import PermissionDenied

    with pytest.raises(PermissionDenied, match="only an admin"):
        sync.pull(actor=world.staff["agent"])


def test_the_sync_logs_no_personal_data_and_no_password(wb, world, odoo, sync, caplog):
    caplog.set_level(logging.DEBUG)
    partner = add_partner(odoo, 1, with_id=True)
    add_partner(odoo, 2, mobile="12345")  # skipped: logged by id
    add_order(odoo, partner, 66.0)
    sync.pull()
    sync.push()
    text = caplog.text
    assert "skipped res.partner id=2" in text  # the log really was captured
    assert "secret" not in text
    assert clear_personal_data(text.encode(), needles=["会员1", "会员2", "张江路"]) == []


def test_the_sync_tables_hold_no_personal_data_in_clear(wb, world, odoo, sync):
    add_partner(odoo, 1, with_id=True)
    add_partner(odoo, 2, mobile="13")
    odoo.add(
        "res.partner",
        name="张伟伟",
        mobile=world.app.phone,
        is_company=False,
        membership_state="paid",
    )
    sync.pull()
    sync.push()
    with wb.sessions() as session:
        dump = repr(
            [
                columns(row)
                for table in (PartnerLink, SyncCursor, SyncIssue, SyncRun)
                for row in session.scalars(select(table))
            ]
        )
    assert "res.partner" in dump
    assert clear_personal_data(dump.encode(), needles=["会员1", "张伟伟", "张伟"]) == []


def test_a_store_code_that_does_not_exist_is_a_clear_error(wb, world, odoo):
    sync = reconfigure(wb, odoo, odoo_store="NOPE")
    with pytest.raises(ConfigError, match=r"setting \[odoo\] store \(WORKBENCH_ODOO_STORE\)"):
        sync.pull()


@pytest.fixture
def tls_files(tmp_path):
    """A self-signed certificate for 127.0.0.1, as an Odoo behind TLS might have."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "odoo.test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "odoo.pem", tmp_path / "odoo.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_jsonrpc_over_tls_verifies_the_servers_certificate(wb, world, tls_files, monkeypatch):
    cert_file, key_file = tls_files
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    with OdooPeer(tls=tls) as secure:
        sync = reconfigure(wb, secure, odoo_protocol="jsonrpc+ssl")
        with pytest.raises(
            OdooUnreachable,
            match=r"https://127.0.0.1:\d+ is unreachable: "
            r".*CERTIFICATE_VERIFY_FAILED",
        ):
            sync.check()
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the operator trusts its CA
        assert sync.check().version == "17.0"
