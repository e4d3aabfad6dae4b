"""SMS segment counting (GSM-7 and UCS-2) and the template catalogue's rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import ConfigError, ValidationError
from workbench.messaging.templates import (
    NOTICES,
    PARTS,
    Segments,
    TemplateCatalogue,
    sms_segments,
)
from workbench.settings import CHECKOUT_CONFIG_DIR


@pytest.mark.parametrize(
    "text, encoding, units, count",
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),  # 2 × 153
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the extension set costs two septets
        ("€" * 81, "GSM-7", 162, 2),
        ("积" * 70, "UCS-2", 70, 1),
        ("积" * 71, "UCS-2", 71, 2),
        ("积" * 134, "UCS-2", 134, 2),  # 2 × 67
        ("积" * 135, "UCS-2", 135, 3),
        ("a" * 159 + "积", "UCS-2", 160, 3),  # one Chinese character turns it all to UCS-2
        ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: two UTF-16 units each
    ],
    ids=lambda value: f"{len(value)}:{value[:1]}" if isinstance(value, str) else str(value),
)
def test_segments(text, encoding, units, count):
    assert sms_segments(text) == Segments(encoding, units, count)


@given(st.text(max_size=500))
def test_segments_always_fit_the_text(text):
    segments = sms_segments(text)
    per_segment = {"GSM-7": (160, 153), "UCS-2": (70, 67)}[segments.encoding]
    capacity = per_segment[0] if segments.count == 1 else per_segment[1] * segments.count
    assert segments.units <= capacity
    if segments.count > 1:
        assert segments.units > per_segment[1] * (segments.count - 1)


@pytest.fixture(scope="module")
def catalogue():
    return TemplateCatalogue(CHECKOUT_CONFIG_DIR / "templates")


CONTEXT = {
    "call_name": "王先生",
    "member_no": "M200000001",
    "card_last4": "1234",
    "tier": "金卡",
    "reason": "r",
    "when": "w",
    "points": 10,
    "expiry_date": "2026-12-31",
    "complaint_no": "C200000001",
    "update": "u",
    "month": "2026-12",
    # stored goods
    "goods_item": "燕窝礼盒",
    "goods_quantity": 2,
    "store_name": "南京西路店",
    "pick_up_by": "2026-04-30",
    # the staff notice (an escalation)
    "staff_name": "李主管",
    "category": "billing",
    "priority": "urgent",
    "clock": "resolution",
    "rung": "to_supervisor",
    "share": "75%",
    "due": "2026-03-03 16:00",
    # the birthday greeting names the tier's gift; a returned application (to staff)
    "birthday_gift": "生日礼物及九折优惠",
    "masked_name": "王*",
    "reviewer": "张客服",
    # an access approval request (to supervisors)
    "requester": "王坐席",
    "username": "agent7",
    "action": "reveal",
    "used": 40,
    "request_id": 12,
    "until": "10:00",
}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("notice", NOTICES)
def test_every_notice_renders_in_both_languages(catalogue, notice, language):
    rendered = catalogue.render(notice, language, CONTEXT)
    assert all(getattr(rendered, part) for part in PARTS)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_escalation_notice_says_which_clock_and_rung(catalogue, language):
    said = set()
    for clock in ("first_response", "next_reply", "resolution"):
        for rung in ("warn_handler", "to_supervisor", "to_department_head"):
            rendered = catalogue.render(
                "complaint_escalation", language, {**CONTEXT, "clock": clock, "rung": rung}
            )
            assert "C200000001" in rendered.subject and "2026-03-03 16:00" in rendered.text
            said.add(rendered.text)
    assert len(said) == 9  # every clock and rung reads differently
    with pytest.raises(ValidationError, match="complaint_escalation"):
        catalogue.render("complaint_escalation", language, {**CONTEXT, "clock": "lunch"})


def test_html_is_autoescaped_and_text_is_not(catalogue):
    rendered = catalogue.render("complaint_update", "en", {**CONTEXT, "update": "<b>x</b> & y"})
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in rendered.html
    assert "<b>x</b> & y" in rendered.sms and "<b>x</b> & y" in rendered.text


def test_a_missing_variable_is_a_clear_error(catalogue):
    with pytest.raises(ValidationError, match="points_expiry"):
        catalogue.render("points_expiry", "zh-CN", {"call_name": "王先生"})


def test_an_unknown_notice_names_the_known_ones(catalogue):
    with pytest.raises(ValidationError, match="welcome"):
        catalogue.render("nonsense", "zh-CN", CONTEXT)


def _folder(tmp_path, text: str, language: str = "zh-CN"):
    good = (CHECKOUT_CONFIG_DIR / "templates" / "en.toml").read_text(encoding="utf-8")
    for name in ("zh-CN", "en"):
        (tmp_path / f"{name}.toml").write_text(text if name == language else good, "utf-8")
    return tmp_path


def test_a_template_may_not_print_an_id_number(tmp_path):
    good = (CHECKOUT_CONFIG_DIR / "templates" / "en.toml").read_text(encoding="utf-8")
    bad = good.replace("{{ member_no }}", "{{ id_number }}", 1)
    with pytest.raises(ConfigError, match="ID number"):
        TemplateCatalogue(_folder(tmp_path, bad))


def test_a_template_file_lacking_a_part_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"\[welcome\] lacks sms"):
        TemplateCatalogue(_folder(tmp_path, '[welcome]\nsubject = "x"\n'))
