"""Placeholder."""

NAME = "fuzzing"


def run(ctx):
    raise NotImplementedError
