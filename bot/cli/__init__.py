"""The ``gridbot`` command line: ``bot.cli.main:main``."""
