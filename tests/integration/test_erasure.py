"""Termination erases the member's personal data everywhere it is kept, not only the member row:
complaint texts, callback feedback, change requests, outbox messages, call numbers. The rows
stay, so counts, tickets and ledgers still add up. Checked on the raw rows."""

from sqlalchemy import func, select, text

from tests.member_traces import STRANGER_PHONE, WORDS, leave_traces, raw_text_values
from workbench.crypto.rotation import encrypted_columns
from workbench.db.tables import metadata
from workbench.members.erasure import ERASED_TEXT


def _rows(wb, sql, **params):
    with wb.engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(text(sql), params)]


def _counts(wb):
    with wb.sessions() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in metadata.sorted_tables
        }


def _decrypted_everything(wb):
    """Every encrypted value in the database, decrypted: (table, column, row id, clear)."""
    found = []
    with wb.sessions() as session:
        for table, columns in encrypted_columns(metadata.sorted_tables).items():
            extra = [c.field_from for c in columns if c.field_from is not None]
            for row in session.execute(select(table.c.id, *[c.column for c in columns], *extra)):
                for c in columns:
                    stored = row._mapping[c.column.name]
                    if stored is not None:
                        clear = wb.cipher.decrypt(c.field_of(row), stored)
                        found.append((table.name, c.column.name, row.id, clear))
    return found


def test_termination_erases_the_member_everywhere_and_keeps_the_rows(wb, world):
    traces = leave_traces(wb, world)
    app = world.app
    secrets = [
        WORDS,
        app.phone,
        app.email,
        app.id_number,
        app.address,
        "张伟",
        "zhang.wei@example.com",
    ]
    before = _decrypted_everything(wb)
    assert any(WORDS in clear for *_, clear in before)
    counts = _counts(wb)

    with wb.sessions() as session:
        wb.registry.terminate(
            session, member_no=world.member_no, reason="voluntary", actor=world.staff["agent"]
        )
        session.commit()

    after = _counts(wb)  # nothing deleted (termination adds its event): reports still add up
    # but the bounce list, which only stops mail to an address, forgets the erased member's.
    assert {t: n for t, n in after.items() if n < counts[t]} == {"email_bounce": 0}
    # Nothing of the member is left, encrypted or in clear, in any table.
    for table, column, row_id, clear in _decrypted_everything(wb):
        assert not any(s in clear for s in secrets), (table, column, row_id)
    for (table, column), values in raw_text_values(wb).items():
        assert not any(s in v for v in values for s in secrets), (table, column)
    member_id = world.member_id

    def clear(field, stored):
        return None if stored is None else wb.cipher.decrypt(field, stored)

    # Complaints: the member's words are the erased marker; the analysis columns stay.
    [complaint] = _rows(wb, "SELECT * FROM complaint WHERE member_id = :m", m=member_id)
    assert complaint["contact_enc"] is None
    assert clear("complaint.text", complaint["description_enc"]) == ERASED_TEXT
    assert clear("complaint.text", complaint["resolution_enc"]) == ERASED_TEXT
    assert (complaint["category"], complaint["root_cause"]) == ("service_attitude", "staff_conduct")
    notes = _rows(
        wb, "SELECT note_enc FROM complaint_event WHERE complaint_id = :c", c=complaint["id"]
    )
    assert {clear("complaint.text", n["note_enc"]) for n in notes} == {None, ERASED_TEXT}
    [stranger] = _rows(
        wb, "SELECT * FROM complaint WHERE complaint_no = :n", n=traces.stranger_complaint_no
    )
    assert clear("complaint.contact", stranger["contact_enc"]) == STRANGER_PHONE  # not theirs

    # Callbacks: feedback gone, the open task cancelled, the attempt still counted.
    [task] = _rows(wb, "SELECT * FROM callback_task WHERE id = :t", t=traces.task_id)
    assert task["feedback_enc"] is None and task["status"] == "cancelled"
    [attempt] = _rows(wb, "SELECT * FROM callback_attempt WHERE task_id = :t", t=traces.task_id)
    assert attempt["feedback_enc"] is None and attempt["outcome"] == "call_back_later"

    # The pending change request: closed, its values and reason gone.
    [change] = _rows(wb, "SELECT * FROM change_request WHERE id = :c", c=traces.change_id)
    assert change["status"] == "rejected" and change["new_value_enc"] is None
    assert change["old_value_masked"] is None and change["new_value_masked"] is None
    assert change["reason"] == ""

    # Messages: recipient and content erased, what had not gone is cancelled.
    messages = _rows(wb, "SELECT * FROM outbox_message WHERE member_id = :m", m=member_id)
    assert len(messages) >= 2
    for message in messages:
        assert clear("outbox.recipient", message["recipient_enc"]) == ERASED_TEXT
        assert clear("outbox.body", message["body_enc"]) == ERASED_TEXT
        assert message["subject_enc"] is None and message["html_enc"] is None
        assert message["status"] == "cancelled" and message["dedupe_key"] is None

    # Calls: the member's numbers and phone index gone; a stranger's call untouched.
    [call] = _rows(wb, "SELECT * FROM call WHERE call_sid = :s", s=traces.call_sid)
    assert call["member_id"] == member_id and call["party_bidx"] is None
    assert clear("call.from", call["from_enc"]) == clear("call.to", call["to_enc"]) == ERASED_TEXT
    [other] = _rows(wb, "SELECT * FROM call WHERE call_sid = :s", s=traces.stranger_call_sid)
    assert clear("call.from", other["from_enc"]) == STRANGER_PHONE and other["party_bidx"]

    # The member row itself, as before.
    [member] = _rows(wb, "SELECT * FROM member WHERE id = :m", m=member_id)
    assert all(
        member[f"{f}_enc"] is None
        for f in ("name", "phone", "id_number", "email", "address", "birthday")
    )
    assert member["phone_bidx"] is None and member["status"] == "terminated"


def test_calls_from_their_number_not_linked_to_them_are_erased_too(wb, world):
    """A call that came in before the number was on file carries only the phone's index."""
    traces = leave_traces(wb, world)
    with wb.engine.begin() as connection:
        connection.execute(
            text("UPDATE call SET member_id = NULL WHERE call_sid = :s"), {"s": traces.call_sid}
        )
    with wb.sessions() as session:
        wb.registry.terminate(
            session, member_no=world.member_no, reason="voluntary", actor=world.staff["agent"]
        )
        session.commit()
    [call] = _rows(wb, "SELECT * FROM call WHERE call_sid = :s", s=traces.call_sid)
    assert call["party_bidx"] is None
    assert wb.cipher.decrypt("call.from", call["from_enc"]) == ERASED_TEXT


def test_members_terminated_before_can_be_erased_everywhere_afterwards(wb, world, run_cli, clock):
    """A database whose terminations erased only the member row (before this was fixed)."""
    traces = leave_traces(wb, world)
    with wb.sessions() as session:
        member = wb.registry.get(session, world.member_no)
        member.status = "terminated"
        wb.registry.erase_personal_data(member)  # the member row only, as it used to be
        erased_at = member.erased_at
        session.commit()
    assert any(WORDS in clear for *_, clear in _decrypted_everything(wb))

    code, _, err = run_cli("members", "erase-terminated", user="supervisor")
    assert code == 2 and "only admin may erase" in err
    clock.advance(days=1)
    code, out, _ = run_cli("members", "erase-terminated", "--batch-size", "1", user="admin")
    assert code == 0 and "1 terminated members erased everywhere" in out
    assert not any(WORDS in clear for *_, clear in _decrypted_everything(wb))
    [call] = _rows(wb, "SELECT * FROM call WHERE call_sid = :s", s=traces.call_sid)
    assert wb.cipher.decrypt("call.from", call["from_enc"]) == ERASED_TEXT
    with wb.sessions() as session:
        assert wb.registry.get(session, world.member_no).erased_at == erased_at  # kept
    code, out, _ = run_cli("members", "erase-terminated", user="admin")  # again: harmless
    assert code == 0 and "1 terminated members erased everywhere" in out
