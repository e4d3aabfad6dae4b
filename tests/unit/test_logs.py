import logging

from workbench.logs import RedactPersonalData, redact


def test_redact_masks_what_looks_personal():
    line = "call from +86 138 1234 5678 / 13912345678, id 11010119900315123X, mail wang@qq.com"
    cleaned = redact(line)
    for value in ("138 1234 5678", "13912345678", "11010119900315123X", "wang@qq.com"):
        assert value not in cleaned
    assert "139****5678" in cleaned and "w***@qq.com" in cleaned


def test_filter_rewrites_the_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("13912345678",), None)
    RedactPersonalData().filter(record)
    assert record.getMessage() == "phone 139****5678"
