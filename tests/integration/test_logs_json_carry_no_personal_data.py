"""The same full flow as test_logs_carry_no_personal_data, logged as JSON lines to a file by the
real handlers (SQL statements and their parameters included): every line parses, and none holds
a phone number, ID number, e-mail or name in clear."""

import json
import logging

import pytest

from tests.logged_flow import run_full_flow
from workbench.logs import clear_context, configure_logging, log_context


@pytest.fixture
def json_log(tmp_path):
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    file = tmp_path / "json.log"
    configure_logging("DEBUG", file=file, console=False, fmt="json")
    yield file
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved, level
    clear_context()


def test_full_flow_json_logs_are_clean(wb, world, json_log):
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements + parameters
    agent = world.staff["agent"]
    try:
        clear_values = run_full_flow(
            wb, world, lambda: log_context(staff_id=agent.id, call_id="CAfeedc0ffee")
        )
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = json_log.read_text(encoding="utf-8")
    entries = [json.loads(line) for line in text.splitlines()]
    assert any("SELECT" in e["event"] for e in entries)  # the SQL log really was written
    assert any(e["staff_id"] == str(agent.id) and e["call_id"] == "CAfeedc0ffee" for e in entries)
    # json.dumps(ensure_ascii=False) keeps Chinese names readable to the search below.
    leaked = [value for value in clear_values if value in text]
    assert leaked == []
