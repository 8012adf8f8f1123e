"""rxtriage's benchmarks: the three layers of the drug lookup against the seed system's naive path,
at the real formulary's size, 10,000 and 100,000 medicines, and the HTTP API under load.

``python -m bench [--quick] [--json PATH]`` runs them (``bench.__main__``);
results, the JSON schema and the machine's conditions are in bench/README.md.

Modules: ``control`` (the seed's before-path), ``generator`` (synthetic medicines, typed names, the
realistic mix), ``dataset`` (loading), ``scenarios`` (layers x scenarios), ``floor`` (raw Redis and
SQL), ``httpload`` (server and load generator), ``accuracy`` (labelled set, beside a NER library),
``report`` (table, JSON, chart, targets), ``runner`` (the orchestrator), ``worker`` (one run).
"""

from bench.runner import BenchOptions, run

__all__ = ["BenchOptions", "run"]
