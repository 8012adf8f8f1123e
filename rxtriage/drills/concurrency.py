"""Placeholder."""

NAME = "concurrency"


def run(ctx):
    raise NotImplementedError
