"""Issue 21, goal 1: writers append audit entries without waiting for the chain head; entries
written while another transaction holds it wait in audit_pending, each sealed on its own, and
whoever holds the head next (a writer, the sequencer, anchor, verify, a reader of the log)
chains them, in order, once. `verify` still catches what a forger does, in pending rows too."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, insert, inspect, select, text, update

from tests.audit_tamper import owner_session
from tests.conftest import (
    PG_ADMIN_URL,
    START,
    _empty_postgres,
    _postgres_unavailable,
    sqlite_copy,
)
from tests.interleave import WAIT, interleave, waiting_on_a_lock
from tests.scratch_db import empty_database
from workbench.audit.chain import audit_rows
from workbench.audit.models import AuditEntry, AuditHead, AuditPending
from workbench.bootstrap import build
from workbench.cli import main
from workbench.db import create_db_engine
from workbench.db.engine import immediate_session
from workbench.db.migrate import downgrade, upgrade
from workbench.scheduler import jobs
from workbench.settings import load_settings


def _record(wb, session, i: int, actor: int = 1) -> None:
    wb.audit.record(
        session,
        action="view",
        result="allowed",
        actor_id=actor,
        member_id=i,
        purpose="service",
        detail={"i": i},
    )


def _write(wb, n: int, *, first: int = 0, actor: int = 1) -> None:
    for i in range(first, first + n):
        with immediate_session(wb.sessions) as session:
            _record(wb, session, i, actor)
            session.commit()


@contextmanager
def _head_held(wb):
    """A transaction that holds the chain head (it wrote an entry) until the block ends; it
    commits then."""
    with wb.sessions() as holder:
        _record(wb, holder, 1000)
        yield holder
        holder.commit()


def _pending(wb) -> list[AuditPending]:
    with wb.sessions() as session:
        return list(session.scalars(select(AuditPending).order_by(AuditPending.id)))


def _chain(wb) -> list[tuple[int, int | None]]:
    with wb.sessions() as session:
        rows = session.execute(select(AuditEntry.seq, AuditEntry.member_id).order_by("seq"))
        return [tuple(row) for row in rows]


def _verified(wb):
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    assert report.ok, report.problem
    return report


# Writers never wait ------------------------------------------------------------------------------
@pytest.mark.postgres
def test_a_writer_finding_the_head_taken_appends_pending_without_waiting(pg_wb):
    wb = pg_wb
    with _head_held(wb):
        _write(wb, 3)  # returns at once: no lock waited for (it would block this thread)
        pending = _pending(wb)
        assert [p.member_id for p in pending] == [0, 1, 2]
        assert all(p.seal and p.key_version == "a1" for p in pending)
    assert _chain(wb) == [(1, 1000)]
    _write(wb, 1, first=3)  # the next holder chains what waits, in order, then its own
    assert _chain(wb) == [(1, 1000), (2, 0), (3, 1), (4, 2), (5, 3)]
    assert _pending(wb) == []
    assert _verified(wb).checked == 5


@pytest.mark.postgres
def test_interleaved_writers_and_the_sequencer_keep_the_chain_linear(pg_wb):
    """Two sessions writing entries, interleaved with the sequencer: every entry once, seqs
    1..n without a gap, the chain intact."""
    wb = pg_wb
    with wb.sessions() as a, wb.sessions() as b:
        _record(wb, a, 1)  # a holds the head
        _record(wb, b, 2)  # b appends pending
        _record(wb, b, 3)
        b.commit()
        assert wb.usecases.protection.sequence_audit() == 0  # the head is taken: left to a
        _record(wb, a, 4)  # a already holds it: chained at once (the pending rows too)
        a.commit()
    with wb.sessions() as a, wb.sessions() as b:
        _record(wb, b, 5)  # b holds it now
        _record(wb, a, 6)  # a appends pending
        a.commit()
        b.commit()
    assert wb.usecases.protection.sequence_audit() == 1
    chain = _chain(wb)
    assert [seq for seq, _ in chain] == list(range(1, 7))
    assert sorted(member for _, member in chain) == [1, 2, 3, 4, 5, 6]
    report = _verified(wb)
    assert report.checked == 6 and report.pending == 0


@pytest.mark.postgres
def test_a_rolled_back_holder_leaves_the_pending_entries_for_the_next(pg_wb):
    wb = pg_wb
    with wb.sessions() as holder:
        _record(wb, holder, 1)
        _write(wb, 2, first=2)
        holder.rollback()
    assert _chain(wb) == [] and len(_pending(wb)) == 2
    assert wb.usecases.protection.sequence_audit() == 2
    assert _chain(wb) == [(1, 2), (2, 3)] and _pending(wb) == []


@pytest.mark.postgres
def test_many_concurrent_writers_keep_one_chain(pg_wb):
    wb = pg_wb

    def writer(actor: int) -> None:
        _write(wb, 20, first=100 * actor, actor=actor)

    threads = [threading.Thread(target=writer, args=(actor,)) for actor in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    report = _verified(wb)  # verify chains what is still pending first
    assert report.checked == 160 and report.pending == 0
    with wb.sessions() as session:
        counts = select(AuditEntry.actor_id, func.count()).group_by(AuditEntry.actor_id)
        assert dict(session.execute(counts).all()) == {actor: 20 for actor in range(8)}


# Two sequencers --------------------------------------------------------------------------------
@pytest.mark.postgres
def test_two_sequencers_chain_each_pending_entry_once(pg_wb):
    wb = pg_wb
    with _head_held(wb):
        _write(wb, 5)
    assert len(_pending(wb)) == 5 and _chain(wb) == [(1, 1000)]

    def first(session):
        assert wb.audit.chain_pending(session) == 5  # holds the head until it commits

    seen = interleave(wb, first=first, second=lambda: wb.audit.sequence(wb.engine))
    assert seen.second_after_first and seen.second == 0  # it waited, then found nothing left
    assert [seq for seq, _ in _chain(wb)] == [1, 2, 3, 4, 5, 6]
    assert _verified(wb).checked == 6


@pytest.mark.postgres
def test_a_sequencer_that_finds_the_head_taken_skips_without_waiting(pg_wb):
    wb = pg_wb
    with _head_held(wb):
        _write(wb, 2)
        with wb.sessions() as other:
            assert wb.audit.chain_pending(other, wait=False) == 0  # SKIP LOCKED: no wait
            assert not waiting_on_a_lock(wb)
        jobs.install(wb)
        jobs.audit_sequence()  # the scheduler's job: the same, nothing chained
        assert len(_pending(wb)) == 2
    jobs.audit_sequence()
    assert _pending(wb) == [] and len(_chain(wb)) == 3


@pytest.mark.postgres
def test_a_sequencer_waiting_for_the_head_chains_once_it_is_free(pg_wb):
    wb = pg_wb
    released = threading.Event()
    result: dict[str, int] = {}
    with _head_held(wb):
        _write(wb, 2)

        def sequencer() -> None:
            result["chained"] = wb.audit.sequence(wb.engine)
            released.set()

        thread = threading.Thread(target=sequencer)
        thread.start()
        for _ in range(2000):
            if waiting_on_a_lock(wb):
                break
        assert not released.is_set()
    assert released.wait(WAIT)
    thread.join(WAIT)
    assert result["chained"] == 2 and len(_chain(wb)) == 3


# Readers of the log see pending entries ---------------------------------------------------------
@pytest.mark.postgres
def test_readers_of_the_log_see_entries_not_chained_yet(pg_wb):
    wb = pg_wb
    with _head_held(wb):
        _write(wb, 2)
        with wb.sessions() as session:
            rows = audit_rows(session, limit=10)  # without the log: shown as pending (seq 0)
        assert [(r.seq, r.member_id) for r in rows] == [(0, 1), (0, 0)]
        with wb.sessions() as session:
            assert [r.member_id for r in audit_rows(session, member_id=1)] == [1]
    with wb.sessions() as session:
        rows = audit_rows(session, limit=10, audit=wb.audit)  # chained first
    assert [(r.seq, r.member_id) for r in rows] == [(3, 1), (2, 0), (1, 1000)]


@pytest.mark.postgres
def test_an_anchor_chains_what_is_pending_first(pg_wb):
    wb = pg_wb
    with _head_held(wb):
        _write(wb, 3)
    anchor = wb.usecases.protection.anchor_audit()
    assert anchor.seq == 4 and _pending(wb) == []
    assert _verified(wb).anchor.seq == 4


@pytest.mark.postgres
def test_anchors_every_n_entries_when_a_batch_crosses_the_mark(
    pg_database_url, tmp_path, clock, keyring
):
    _empty_postgres(pg_database_url)
    settings = load_settings(
        database_url=pg_database_url, keys_file=str(tmp_path / "keys.json"), audit_anchor_every=4
    )
    wb = build(settings, clock=clock, keyring=keyring)
    try:
        with _head_held(wb):  # seq 1
            _write(wb, 4)  # pending
        _write(wb, 1, first=10)  # seqs 2..6 in one batch: past 4, so an anchor of seq 6
        lines = settings.effective_audit_anchor_file.read_text().splitlines()
        assert len(lines) == 1 and '"seq":6' in lines[0]
        assert _verified(wb).anchor.seq == 6
    finally:
        wb.dispose()


def test_sqlite_chains_every_entry_at_once(tmp_path, sqlite_template, clock, keyring):
    url = sqlite_copy(tmp_path, sqlite_template)
    settings = load_settings(database_url=url, keys_file=str(tmp_path / "keys.json"))
    wb = build(settings, clock=clock, keyring=keyring)
    try:
        _write(wb, 3)
        assert _pending(wb) == [] and [seq for seq, _ in _chain(wb)] == [1, 2, 3]
        assert _verified(wb).pending == 0
    finally:
        wb.dispose()


# Forgeries of pending rows ---------------------------------------------------------------------
def _one_pending(wb) -> AuditPending:
    with _head_held(wb):
        _write(wb, 1)
    [row] = _pending(wb)
    return row


@pytest.mark.postgres
def test_an_edited_pending_entry_is_never_chained_and_verify_reports_it(pg_wb):
    wb = pg_wb
    row = _one_pending(wb)
    with owner_session(wb) as session:
        session.execute(
            update(AuditPending).where(AuditPending.id == row.id).values(result="denied")
        )
    with wb.sessions() as session:
        report = wb.audit.verify(session)  # its sequencing leaves the row where it is
    assert report.problem == (
        f"pending entry {row.id} was altered before it was chained: its seal does not match"
    )
    assert report.checked == 1 and report.pending == 1
    _write(wb, 1, first=5)  # writers chain around it; it stays, reported
    assert [m for _, m in _chain(wb)] == [1000, 5]
    assert [p.id for p in _pending(wb)] == [row.id]


@pytest.mark.postgres
def test_audit_verify_says_how_many_entries_are_still_pending(pg_wb, keyring, monkeypatch, capsys):
    wb = pg_wb
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", wb.settings.database_url)
    monkeypatch.setenv("WORKBENCH_KEYS_KEYRING", keyring.to_json())
    monkeypatch.setenv("WORKBENCH_AUDIT_ANCHOR_FILE", str(wb.settings.effective_audit_anchor_file))
    row = _one_pending(wb)
    code, out = _run_cli(["audit", "verify"], capsys)  # verify chains it first
    assert code == 0 and "2 entries checked" in out and "0 entries pending sequencing" in out
    row = _one_pending(wb)
    with owner_session(wb) as session:  # one the sequencer refuses stays pending
        session.execute(
            update(AuditPending).where(AuditPending.id == row.id).values(result="denied")
        )
    assert wb.usecases.protection.verify_audit().pending == 1
    code, out = _run_cli(["audit", "verify"], capsys)
    assert code == 1 and "  1 entry pending sequencing: written while the chain head" in out
    assert f"pending entry {row.id} was altered" in out


def _run_cli(args, capsys) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code or 0
    return code, capsys.readouterr().out


@pytest.mark.postgres
def test_a_copied_pending_entry_is_caught(pg_wb):
    """A copy under another id (to make an agent look as if they read a record twice) does not
    match its seal: the id is sealed in."""
    wb = pg_wb
    row = _one_pending(wb)
    with owner_session(wb) as session:
        values = {c: getattr(row, c) for c in AuditPending.model_fields}
        session.execute(insert(AuditPending).values({**values, "id": row.id + 100}))
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    assert report.problem == (
        f"pending entry {row.id + 100} was altered before it was chained: its seal does not match"
    )
    assert [m for _, m in _chain(wb)] == [1000, 0]  # the genuine one is chained


@pytest.mark.postgres
def test_a_pending_entry_sealed_with_an_unknown_key_is_caught(pg_wb):
    wb = pg_wb
    row = _one_pending(wb)
    with owner_session(wb) as session:
        session.execute(
            update(AuditPending).where(AuditPending.id == row.id).values(key_version="zz")
        )
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    assert report.problem.startswith(f"pending entry {row.id} is sealed with audit key 'zz'")


@pytest.mark.postgres
def test_an_entry_forged_into_pending_by_a_writer_without_the_key_is_caught(pg_wb):
    wb = pg_wb
    with wb.sessions() as session:
        session.execute(
            text(
                "INSERT INTO audit_pending (id, at, actor_id, action, member_id, purpose, "
                "result, detail, key_version, seal) VALUES (nextval('audit_pending_id_seq'), "
                "now(), 7, 'view', 1, 'service', 'allowed', '{}', 'a1', 'forged')"
            )
        )
        session.commit()
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    assert not report.ok and "was altered before it was chained" in report.problem
    assert _chain(wb) == []


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement", ["UPDATE audit_pending SET result = 'denied'", "TRUNCATE audit_pending"]
)
def test_postgres_refuses_to_change_pending_entries(pg_wb, statement):
    _one_pending(pg_wb)
    with pg_wb.sessions() as session, pytest.raises(sa_exc.DBAPIError) as refused:
        session.execute(text(statement))
    assert refused.value.orig.sqlstate == "42501"
    assert "never changed" in str(refused.value)


@pytest.mark.postgres
def test_a_deleted_pending_entry_is_what_the_un_anchored_tail_was(pg_wb):
    """Documents the limit (docs/architecture.md): a pending row deleted by whoever can write
    the database leaves no trace, as rows after the last anchor could be cut before; the
    anchor covers what is chained."""
    wb = pg_wb
    row = _one_pending(wb)
    with owner_session(wb) as session:
        session.execute(AuditPending.__table__.delete().where(AuditPending.id == row.id))
    report = _verified(wb)
    assert report.checked == 1 and report.pending == 0
    with wb.sessions() as session:
        assert session.get(AuditHead, 1).seq == 1


# The migration -----------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    if request.param == "postgresql" and (reason := _postgres_unavailable()):
        pytest.skip(reason)
    backend = "sqlite" if request.param == "sqlite" else PG_ADMIN_URL
    with empty_database(backend, tmp_path / "old.db", "workbench_sequencer") as url:
        yield url


def test_the_migration_goes_down_and_up_again_and_keeps_pending_entries(fresh_url):
    engine = create_db_engine(fresh_url)
    try:
        upgrade(engine, "0029")
        downgrade(engine, "0028")
        assert not inspect(engine).has_table("audit_pending")
        upgrade(engine, "0029")
        assert inspect(engine).has_table("audit_pending")
        with engine.begin() as connection:
            connection.execute(
                insert(AuditPending).values(
                    id=1,
                    at=START,
                    action="view",
                    purpose="",
                    result="allowed",
                    detail="",
                    key_version="a1",
                    seal="x",
                )
            )
        with pytest.raises(RuntimeError, match="1 audit entries are not chained yet"):
            downgrade(engine, "0028")
    finally:
        engine.dispose()
