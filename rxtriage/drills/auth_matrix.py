"""Placeholder."""

NAME = "auth_matrix"


def run(ctx):
    raise NotImplementedError
