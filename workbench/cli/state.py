"""What the CLI's commands share: the settings file chosen and a lazily built workbench."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.bootstrap import Workbench, build
from workbench.settings import Settings, load_settings


@dataclass
class CliState:
    config_file: str | None = None
    _settings: Settings | None = None
    _workbench: Workbench | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_file)
        return self._settings

    def workbench(self) -> Workbench:
        if self._workbench is None:
            self._workbench = build(self.settings())
        return self._workbench

    def close(self) -> None:
        if self._workbench is not None:
            self._workbench.dispose()
        self._workbench = None
        self._settings = None


state = CliState()
