"""``rxtriage tokens list USERNAME`` and ``rxtriage tokens revoke TOKEN_PREFIX | --user USERNAME --all``.

``list`` shows each token's prefix (its first characters: the token itself is stored only hashed),
when it was created and when it expires.  ``revoke`` deletes one token by its prefix (as ``list``
shows it, or the whole token), or every token of a user.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rxtriage.api.selectors import token_list, user_get
from rxtriage.api.services import TokenPrefixAmbiguous, token_revoke, tokens_revoke


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "never"


class Command(BaseCommand):
    help = "List a user's API tokens, or revoke one token or all tokens of a user."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List USERNAME's tokens (prefix, created, expires).")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke TOKEN_PREFIX, or --user USERNAME --all.")
        revoke.add_argument("prefix", nargs="?", metavar="TOKEN_PREFIX")
        revoke.add_argument("--user", metavar="USERNAME")
        revoke.add_argument("--all", action="store_true", help="With --user: every token of the user.")

    def _user(self, username: str) -> Any:
        user = user_get(username=username)
        if user is None:
            raise CommandError(f"no user called {username}")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(options["username"])
        else:
            self._revoke(options["prefix"], options["user"], options["all"])

    def _list(self, username: str) -> None:
        tokens = token_list(user=self._user(username))
        if not tokens:
            self.stdout.write(f"{username} has no tokens")
            return
        self.stdout.write(f"{'prefix':<16} {'created':<21} expires")
        for token in tokens:
            state = " (expired)" if token.expired else ""
            self.stdout.write(f"{token.prefix:<16} {_when(token.created):<21} {_when(token.expiry)}{state}")

    def _revoke(self, prefix: str | None, username: str | None, every: bool) -> None:
        if username is not None or every:
            if prefix is not None or username is None or not every:
                raise CommandError("give either TOKEN_PREFIX, or --user USERNAME --all")
            count = tokens_revoke(user=self._user(username))
            self.stdout.write(f"revoked {count} token(s) of {username}")
            return
        if prefix is None:
            raise CommandError("give either TOKEN_PREFIX, or --user USERNAME --all")
        try:
            count = token_revoke(prefix=prefix)
        except (ValueError, TokenPrefixAmbiguous) as exc:
            raise CommandError(str(exc)) from exc
        if not count:
            raise CommandError(f"no token starts with {prefix[:15]}")
        self.stdout.write(f"revoked token {prefix[:15]}")
