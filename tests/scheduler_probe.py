"""Jobs for the scheduler's tests: APScheduler stores a job by reference to a module-level
function, so the probe lives in an importable module and counts its runs here."""

import threading

runs: list[int] = []
ran = threading.Event()


def probe() -> None:
    runs.append(1)
    ran.set()


def other_probe() -> None:
    probe()


def reset() -> None:
    runs.clear()
    ran.clear()
