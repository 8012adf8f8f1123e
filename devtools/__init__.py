"""Development tools shared by the benchmark (``bench/``) and the reliability drills (``drills/``).

Not part of the installed product: these modules live in the repository beside ``rxtriage`` and run
from a checkout after the README's test install.

- :mod:`devtools.processes`: loopback ports, waiting, stopping child processes, clean-up at exit;
- :mod:`devtools.appserver`: ``rxtriage serve`` (gunicorn) on a free loopback port;
- :mod:`devtools.load`: the HTTP client and the bounded closed-loop load generator;
- :mod:`devtools.stats`: nearest-rank percentiles and latency summaries.
"""
