"""`workbench members` (being written)."""

import typer

app = typer.Typer(help="Find and show members (masked).", no_args_is_help=True)
