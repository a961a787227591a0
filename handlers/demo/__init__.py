"""``gridbot demo``: the scripted day (found by the CLI through the ``gridbot.demos`` entry point)."""

from handlers.demo.day import run_demo

__all__ = ["run_demo"]
