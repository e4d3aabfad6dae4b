"""The terminal desk and Python's garbage collector.

A full collection (the oldest generation) walks every object the process holds: some 200,000
once the desk has started (the modules, classes and functions of Textual, SQLAlchemy and the
workbench), 200 ms and more on a busy 2-core machine. It runs on whichever thread happens to
trigger it, holding the interpreter, and a key pressed meanwhile waits: with call events
arriving, each of the wallboard's slowest Tabs (bench/keys_during_calls.py) was one of them.
Freezing what is alive once the desk has started keeps those objects out of every later
collection. Reference counting still frees them as before; only a cycle among them would no
longer be collected, and they live as long as the process anyway."""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_objects() -> None:
    """Collects once, then moves every object alive into the collector's permanent
    generation (gc.freeze). Once a process: later calls do nothing."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()  # the start's own garbage is freed, not kept forever
    gc.freeze()
