"""The ``arazzo`` command line: validate, list and run workflows."""

from arazzo_engine.cli.main import main

__all__ = ["main"]
