"""The page `workbench web` serves (templates/app_index.html): textual-serve's own, less its web
font from a third-party host, so a staff browser loads nothing from anywhere but this server."""

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
