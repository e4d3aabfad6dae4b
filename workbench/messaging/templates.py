"""Message templates (config/templates/<language>.toml, Jinja2) and SMS segment counting."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import DictLoader, Environment, StrictUndefined, TemplateError, select_autoescape
from markupsafe import Markup

from workbench.errors import ConfigError, ValidationError
from workbench.masking.text import safe_for_terminal
from workbench.tomlfiles import read_toml

NOTICES = (
    "welcome",
    "rejection",
    "card_lost",
    "card_activated",
    "card_found",
    "card_reissued",
    "card_replaced",
    "points_expiry",
    "birthday",
    "tier_change",
    "complaint_update",
    "satisfaction_survey",
    "monthly_care",
    "termination_notice",
    "termination_withdrawn",
    "goods_reminder",
    "goods_overdue",
    "complaint_escalation",
    "application_returned",
    "access_approval",
    "activity_invitation",
    "activity_signup",
    "activity_reminder",
    "activity_survey",
)
PARTS = ("sms", "subject", "text", "html")

# GSM 03.38: the basic set costs one septet, the extension set two; anything else means UCS-2.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM-7 or UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def sms_segments(text: str) -> Segments:
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    count = 1 if units <= single else -(-units // multi)
    return Segments(encoding, units, count)


@dataclass(frozen=True)
class Rendered:
    sms: str
    subject: str
    text: str
    html: str


class TemplateCatalogue:
    def __init__(self, folder: Path, languages: tuple[str, ...] = ("zh-CN", "en")) -> None:
        sources: dict[str, str] = {}
        for language in languages:
            path = folder / f"{language}.toml"
            try:
                doc = read_toml(path)
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"templates {path}: {exc}") from None
            for notice in NOTICES:
                for part in PARTS:
                    text = doc.get(notice, {}).get(part)
                    if text is None:
                        raise ConfigError(f"{path}: [{notice}] lacks {part}")
                    if "id_number" in text:
                        raise ConfigError(f"{path}: [{notice}] {part} may not show an ID number")
                    sources[f"{language}/{notice}.{part}"] = text
        self.languages = languages
        self.env = Environment(
            loader=DictLoader(sources),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            finalize=_safe_value,
        )

    def render(self, notice: str, language: str, context: Mapping[str, object]) -> Rendered:
        if notice not in NOTICES:
            raise ValidationError("template", f"one of {', '.join(NOTICES)}")
        if language not in self.languages:
            language = self.languages[0]
        try:
            parts = {
                p: self.env.get_template(f"{language}/{notice}.{p}").render(**context)
                for p in PARTS
            }
        except TemplateError as exc:
            raise ValidationError("template", f"{notice} ({language}): {exc}") from None
        return Rendered(**{p: _safe_part(v) for p, v in parts.items()})


def _safe_value(value: object) -> object:
    """Every value a template shows (a member's name, a complaint update) is text: old data may
    still hold a control or bidi character, which never reaches a phone, a mail or a screen."""
    if isinstance(value, Markup):
        return Markup(safe_for_terminal(str(value), multiline=True))
    if isinstance(value, str):
        return safe_for_terminal(value, multiline=True)
    return value


def _safe_part(text: str) -> str:
    """The rendered part, its line breaks kept (a template's own CRLF read as a newline)."""
    return safe_for_terminal(text.replace("\r\n", "\n"), multiline=True).strip()
