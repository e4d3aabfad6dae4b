"""`workbench seed` and `workbench demo` (being written)."""


def register(app) -> None:
    pass
