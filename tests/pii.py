"""The project's own check for personal data in clear: mainland mobile numbers, checksummed
ID-card numbers, e-mail addresses, and literal values a test seeded. It is the product's own
detector (workbench.masking.pii), the one that refuses personal data in reveal reasons."""

from __future__ import annotations

from workbench.masking.pii import EMAIL, ID_CARD, MOBILE, clear_personal_data

__all__ = ["EMAIL", "ID_CARD", "MOBILE", "clear_personal_data"]
