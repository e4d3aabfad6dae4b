"""What the CLI's commands share: the settings file chosen and a lazily built workbench."""

from __future__ import annotations

import os
from dataclasses import dataclass

import typer

from workbench.bootstrap import Workbench, build
from workbench.clock import Clock
from workbench.logs import bind_context, clear_context
from workbench.members.models import Staff
from workbench.settings import Settings, load_settings


@dataclass
class CliState:
    config_file: str | None = None
    username: str | None = None
    clock: Clock | None = None  # tests pin time here; None is the system clock
    _settings: Settings | None = None
    _workbench: Workbench | None = None
    _staff: Staff | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_file)
        return self._settings

    def workbench(self, *, telephony: bool = False) -> Workbench:
        """Built once; `telephony=True` (the TUI, call commands) also builds the hotline."""
        if self._workbench is not None and telephony and self._workbench.usecases.calls is None:
            self._workbench.dispose()
            self._workbench = None
        if self._workbench is None:
            self._workbench = build(self.settings(), clock=self.clock, telephony=telephony)
        return self._workbench

    def staff(self) -> Staff:
        """The signed-in staff member: --user (or WORKBENCH_USER) and WORKBENCH_PASSWORD or a
        hidden prompt; from this workstation's terminal credential where the store needs one."""
        if self._staff is None:
            wb = self.workbench()
            username = self.username or os.environ.get("WORKBENCH_USER") or typer.prompt("user")
            password = os.environ.get("WORKBENCH_PASSWORD") or typer.prompt(
                "password", hide_input=True
            )
            self._staff = wb.usecases.sign_in.sign_in(username, password).staff
            bind_context(staff_id=self._staff.id)  # the command's log lines name who ran it
        return self._staff

    def close(self) -> None:
        if self._workbench is not None:
            self._workbench.dispose()
        self._workbench = None
        self._settings = None
        self._staff = None
        clear_context()


state = CliState()
