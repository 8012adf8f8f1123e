"""Placeholder."""

NAME = "formulary_change"


def run(ctx):
    raise NotImplementedError
