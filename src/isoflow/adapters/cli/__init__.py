"""The ``isoflow`` command line (typer + rich)."""
