"""Placeholder."""

NAME = "postgres_down"


def run(ctx):
    raise NotImplementedError
