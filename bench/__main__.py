"""``python -m bench [--quick] [--json PATH] [--chart PATH] ...``: the benchmarks, run from a checkout
after the README's test install.  Results, the JSON schema and how to read them: bench/README.md."""

from __future__ import annotations

import argparse
import os
import sys
from argparse import BooleanOptionalAction

from bench import BenchOptions, run
from bench.runner import SIZES


def parser_make() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the drug lookup (control, cold, Redis-hot, L1-hot) at 500+/10k/100k medicines "
        "and the HTTP API under load, in the bench's own databases; print a table, write JSON and a chart.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="The real formulary only, few iterations: < 60 s."
    )
    parser.add_argument("--json", dest="json_path", metavar="PATH", help="Write the results as JSON.")
    parser.add_argument(
        "--chart",
        dest="chart_path",
        metavar="PATH",
        help="Write the PNG chart here (default: beside --json, same name, .png).",
    )
    parser.add_argument(
        "--database-url",
        default=BenchOptions.database_url,
        help="PostgreSQL server and base name of the bench's own databases "
        "(<name>_formulary, <name>_10k, <name>_100k; created if missing).",
    )
    parser.add_argument("--redis-url", default=BenchOptions.redis_url, help="The bench's Redis database.")
    parser.add_argument("--prefix", default=BenchOptions.prefix, help="The bench's Redis key prefix.")
    parser.add_argument("--no-services", action="store_true", help="The embedded default only.")
    parser.add_argument("--sizes", help=f"Comma-separated sizes on PostgreSQL, from {', '.join(SIZES)}.")
    parser.add_argument(
        "--embedded",
        action=BooleanOptionalAction,
        default=None,
        help="Also run the embedded default (default: in the full run, or when PostgreSQL is missing).",
    )
    parser.add_argument("--no-http", action="store_true", help="Skip the HTTP load.")
    parser.add_argument(
        "--http-seconds",
        type=float,
        help="Seconds of HTTP load per endpoint and connection count, taken in turns with the other "
        "endpoint in slices (default 4 quick, 12 full).",
    )
    parser.add_argument(
        "--http-tool",
        choices=["auto", "python", "wrk"],
        default="auto",
        help="auto: wrk when installed, else the Python load generator.",
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: as rxtriage serve).")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the generated data and names.")
    parser.add_argument("--fuzzy-backend", choices=["auto", "trigram", "memory"], default="auto")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = parser_make()
    options = parser.parse_args(argv)
    sizes = [s.strip() for s in options.sizes.split(",")] if options.sizes else None
    if sizes and any(s not in SIZES for s in sizes):
        parser.error(f"--sizes takes {', '.join(SIZES)}")
    if options.workers is not None and options.workers < 1:
        parser.error("--workers must be at least 1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rxtriage.settings")
    import django

    django.setup()
    code = run(
        BenchOptions(
            quick=options.quick,
            json_path=options.json_path,
            chart_path=options.chart_path,
            database_url=options.database_url,
            redis_url=options.redis_url,
            prefix=options.prefix,
            services=not options.no_services,
            sizes=sizes,
            embedded=options.embedded,
            http=not options.no_http,
            http_seconds=options.http_seconds,
            http_tool=options.http_tool,
            workers=options.workers,
            seed=options.seed,
            fuzzy_backend=options.fuzzy_backend,
        )
    )
    if code:
        print("no benchmark run completed", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
