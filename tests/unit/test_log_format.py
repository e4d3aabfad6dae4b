"""The two log formats carry the same fields (time, level, logger, event, staff id, request/call
id), JSON lines parse one object per line, personal data is masked in both, and the file rotates
by the configured size and count."""

import json
import logging

import pytest

from workbench.logs import clear_context, configure_logging, log_context
from workbench.settings import load_settings


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved, level
    clear_context()


def _flush():
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_json_lines_have_the_fields_and_no_personal_data(tmp_path, restore_logging, capsys):
    file = tmp_path / "wb.log"
    configure_logging("INFO", file=file, console=True, fmt="json")
    log = logging.getLogger("workbench.test")
    with log_context(staff_id=7, call_id="CA0123456789abcdef"):
        log.warning("caller 13812345678 wrote to wang.fang@example.com")
    with log_context(request_id="req-1"):
        try:
            raise RuntimeError("id 110101199003071234 refused")
        except RuntimeError:
            log.exception("incident abc")
    log.info("no ids here")
    _flush()
    lines = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3
    first, second, third = lines
    assert {"time", "level", "logger", "event", "staff_id", "request_id", "call_id"} <= set(first)
    assert first["level"] == "WARNING" and first["logger"] == "workbench.test"
    assert first["staff_id"] == "7" and first["call_id"] == "CA0123456789abcdef"
    assert first["request_id"] is None and first["time"].endswith("+00:00")
    assert "13812345678" not in first["event"] and "138****5678" in first["event"]
    assert "wang.fang@example.com" not in first["event"]
    assert second["request_id"] == "req-1" and second["staff_id"] is None
    assert "RuntimeError" in second["traceback"] and "110101199003071234" not in second["traceback"]
    assert third["staff_id"] is None and third["event"] == "no ids here"
    # The console speaks JSON too, one object a line, its traceback left to the file.
    err = capsys.readouterr().err.strip().splitlines()
    console = [json.loads(line) for line in err]
    assert console[0]["staff_id"] == "7" and "traceback" not in console[1]


def test_text_lines_carry_the_same_ids(tmp_path, restore_logging):
    file = tmp_path / "wb.log"
    configure_logging("INFO", file=file, console=False, fmt="text")
    with log_context(staff_id=3, request_id="r9"):
        logging.getLogger("workbench.test").warning("mobile 13900001111")
    logging.getLogger("workbench.test").warning("plain")
    _flush()
    first, second = file.read_text(encoding="utf-8").splitlines()
    assert "WARNING" in first and "workbench.test [staff_id=3 request_id=r9]:" in first
    assert "13900001111" not in first and "139****1111" in first
    assert "workbench.test: plain" in second


def test_the_file_rotates_by_the_settings(tmp_path, restore_logging):
    file = tmp_path / "wb.log"
    configure_logging("INFO", file=file, console=False, max_bytes=10_000, backup_count=2)
    log = logging.getLogger("workbench.test")
    for n in range(400):
        log.info("line %d %s", n, "x" * 80)
    _flush()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["wb.log", "wb.log.1", "wb.log.2"]
    assert all((tmp_path / name).stat().st_size <= 10_000 for name in files)


def test_settings_choose_the_format_and_rotation(monkeypatch):
    monkeypatch.setenv("WORKBENCH_LOGGING_FORMAT", "json")
    monkeypatch.setenv("WORKBENCH_LOGGING_MAX_BYTES", "200000")
    monkeypatch.setenv("WORKBENCH_LOGGING_BACKUP_COUNT", "5")
    settings = load_settings()
    assert (settings.logging_format, settings.logging_max_bytes) == ("json", 200_000)
    assert settings.logging_backup_count == 5
    monkeypatch.setenv("WORKBENCH_LOGGING_FORMAT", "xml")
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="format"):
        load_settings()


def test_only_known_ids_go_in_the_context():
    with pytest.raises(ValueError, match="staff_id"), log_context(phone="13800000000"):
        pass
