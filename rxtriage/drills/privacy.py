"""Placeholder."""

NAME = "privacy"


def run(ctx):
    raise NotImplementedError
