"""Placeholder."""

NAME = "redis_hung"


def run(ctx):
    raise NotImplementedError
