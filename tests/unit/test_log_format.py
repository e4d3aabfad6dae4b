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


def _lines_of(folder, name):
    """Every line of the log and its rotated files, and each file's size."""
    lines, sizes = [], {}
    for path in folder.iterdir():
        if path.name == name or path.name.startswith(name + "."):
            text = path.read_text(encoding="utf-8")
            lines += text.splitlines()
            sizes[path.name] = path.stat().st_size
    return lines, sizes


def test_two_writers_of_one_file_rotate_it_once_and_lose_nothing(tmp_path):
    """Two handlers on one file stand for two processes (each has its own stream): the
    rotation one of them does is the other's too, by the file's size on disk."""
    from workbench.logs import SharedRotatingFileHandler

    file = tmp_path / "wb.log"
    writers = [
        SharedRotatingFileHandler(file, maxBytes=2_000, backupCount=5, encoding="utf-8")
        for _ in range(2)
    ]
    try:
        for n in range(1000):  # 10 kB: five files full and the current one
            record = logging.LogRecord("t", logging.INFO, __file__, 1, "line %04d", (n,), None)
            writers[n % 2].handle(record)
    finally:
        for writer in writers:
            writer.close()
    lines, sizes = _lines_of(tmp_path, "wb.log")
    assert sorted(lines) == [f"line {n:04d}" for n in range(1000)]  # every line, once
    assert all(size <= 2_000 for size in sizes.values()), sizes
    assert len(sizes) >= 2  # it did rotate
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(sizes)  # no lock file left


def test_processes_writing_one_file_at_once(tmp_path):
    """Real processes at once (as webhook workers and browser sessions are): every line
    kept, no file far past max_bytes."""
    import subprocess
    import sys

    file = tmp_path / "wb.log"
    script = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from workbench.logs import configure_logging\n"
        "configure_logging('INFO', file=Path(sys.argv[1]), console=False,"
        " max_bytes=20_000, backup_count=200)\n"
        "log = logging.getLogger('w')\n"
        "for n in range(1500):\n"
        "    log.info('w%s %05d %s', sys.argv[2], n, 'x' * 40)\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(file), str(w)]) for w in range(3)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    lines, sizes = _lines_of(tmp_path, "wb.log")
    events = sorted(line.rsplit(": ", 1)[1].split(" x")[0] for line in lines)
    assert events == sorted(f"w{w} {n:05d}" for w in range(3) for n in range(1500))
    longest = max(len(line) + 1 for line in lines)
    # a writer may add its line between another's size check and its write: a few lines over
    assert all(size <= 20_000 + 3 * longest for size in sizes.values()), sizes
    assert len(sizes) > 5
