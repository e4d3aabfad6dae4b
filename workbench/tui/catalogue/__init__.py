"""The UI catalogue's areas: each module here holds the labels of one part of the desk (a
`LABELS` dict like workbench.tui.labels'), so each part keeps its own words beside the others'.
They are merged into the one catalogue; a key defined twice is an error at import."""

from __future__ import annotations

import importlib
import pkgutil

AREA_LABELS: dict[str, tuple[str, str]] = {}

for _area in sorted(info.name for info in pkgutil.iter_modules(__path__)):
    _labels: dict[str, tuple[str, str]] = importlib.import_module(f"{__name__}.{_area}").LABELS
    _twice = AREA_LABELS.keys() & _labels.keys()
    if _twice:
        raise RuntimeError(f"labels defined twice ({_area}): {sorted(_twice)}")
    AREA_LABELS.update(_labels)
