"""A full flow with every logger at DEBUG (SQL statements and their parameters included) leaves
no phone number, ID number, e-mail or name in clear in the logs."""

import logging

from tests.logged_flow import run_full_flow


def test_full_flow_logs_are_clean(wb, world, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements + parameters
    try:
        clear_values = run_full_flow(wb, world)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    text = caplog.text
    assert "SELECT" in text  # the SQL log really was captured
    leaked = [value for value in clear_values if value in text]
    assert leaked == []
