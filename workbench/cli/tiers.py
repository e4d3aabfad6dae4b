"""`workbench tiers` (being written)."""

import typer

app = typer.Typer(help="Tier schemes and the periodic tier review.", no_args_is_help=True)
