"""The bench's outputs: a table on stdout, the JSON document, a PNG chart, the ratios and the targets.

JSON schema ``rxtriage-bench/1`` (documented with examples in bench/README.md)::

    {
      "schema": "rxtriage-bench/1", "mode": "quick" | "full", "duration_s": float,
      "machine": {date, cpu_model, cores, cores_usable, load_before, load_after, mem_total_mb,
                  mem_available_mb, mem_available_mb_after, platform, python, django, djangorestframework,
                  gunicorn, redis_py, psycopg, rxtriage, postgresql, redis},
      "config": {database_url, redis_url, prefix, seed, budget, http_workers, fuzzy_backend},
      "skipped": [{"part", "reason"}],
      "ratios": {"control_over_hot_mix", "control_over_cold_mix", "l2_hit_over_raw_get",
                 "batch3_over_single", "http_triage_over_trivial"}      # plain numbers (null: part skipped)
      "ratios_run": "<backend>/<size>",                           # the run the headline ratios come from
      "ratios_by_run": {"<backend>/<size>": {the five, and more}},
      "targets": [{"id", "description", "run", "value", "limit", "met", "note"?}],
      "runs": [{
          "backend": "postgres+redis" | "postgres" | "embedded", "size": "formulary" | "10k" | "100k",
          "medicines", "names", "load_seconds", "dataset_reused", "database", "redis", "fuzzy_backend",
          "fuzzy_mode": "trigram" | "memory", "fuzzy_index_build_ms", "seconds",
          "mix": {length, distinct, repeat_share, by_kind},
          "lookup": {"control" | "cold" | "redis_hot" | "l1_hot": null | {
              "exact_generic" | "brand" | "typo" | "non_medicine" | "batch3" | "mix": {
                  n, p50_us, p95_us, p99_us, mean_us, min_us, max_us,
                  db_queries_per_request, redis_round_trips_per_request, redis_commands_per_request,
                  db_queries_max, version_polls_per_request (our layers: the most queries one request
                  made besides the once-a-second formulary-version poll, and those polls a request)},
              "raw_redis_get" | "raw_redis_mget3" (Redis-hot layer only: the raw calls timed in the same
              rounds as its scenarios): {n, p50_us, ...}}},
          "floor": {"redis_get" | "redis_mget3" | "indexed_select": null | {n, p50_us, ...}},
          "accuracy": {"rxtriage" | "control": {<category>: {n, correct, wrong_drug, no_drug, accuracy}}},
          "http": {workers, endpoints: {"ping" | "triage": {"10" | "50": {tool, connections, seconds,
                   requests, rps, errors, status, p50_ms, p99_ms, mean_ms}}},
                   paced: {connections, share_of_capacity, pause_ms, "ping" | "triage": {tool, ...
                   as above}} (10 connections pausing between requests: about half triage's capacity),
                   worker_peak_rss_mb: {pid: MB}, worker_peak_rss_mb_max, master_peak_rss_mb}
      }],
      "accuracy_ner": {<category>: {...}, "latency": {...}} | null,
      "chart": "path" | null
    }
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.redflags import redflags_lines

__all__ = ["SCHEMA", "Report"]

SCHEMA = "rxtriage-bench/1"
_SIZE_ORDER = {"formulary": 0, "10k": 1, "100k": 2}
_LAYER_NAMES = {"control": "control", "cold": "cold", "redis_hot": "Redis-hot", "l1_hot": "L1-hot"}
_SCENARIOS = ("exact_generic", "brand", "typo", "non_medicine", "batch3", "mix")


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or data.get(key) is None:
            return None
        data = data[key]
    return data


def _ratio(a: Any, b: Any, digits: int = 2) -> float | None:
    if a is None or b is None or not b:
        return None
    return round(float(a) / float(b), digits)


def _label(run: dict[str, Any]) -> str:
    return f"{run['backend']}/{run['size']}"


def _fmt_us(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f} ms"
    return f"{value:.1f} µs"


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def run_ratios(run: dict[str, Any]) -> dict[str, float | None]:
    """The five headline ratios and a few more, for one run."""
    lookup = run.get("lookup") or {}
    http = _get(run, "http", "endpoints") or {}
    control_mix = _get(lookup, "control", "mix", "mean_us")
    control_q = _get(lookup, "control", "mix", "db_queries_per_request")
    cold_q = _get(lookup, "cold", "mix", "db_queries_per_request")
    out = {
        "control_over_hot_mix": _ratio(control_mix, _get(lookup, "l1_hot", "mix", "mean_us"), 1),
        "control_over_cold_mix": _ratio(control_mix, _get(lookup, "cold", "mix", "mean_us"), 1),
        "l2_hit_over_raw_get": _ratio(
            _get(lookup, "redis_hot", "exact_generic", "p50_us"),
            _get(lookup, "redis_hot", "raw_redis_get", "p50_us") or _get(run, "floor", "redis_get", "p50_us"),
        ),
        "batch3_over_single": _ratio(
            _get(lookup, "cold", "batch3", "p50_us"), _get(lookup, "cold", "exact_generic", "p50_us")
        ),
        "http_triage_over_trivial": _ratio(
            _get(http, "triage", "10", "rps"), _get(http, "ping", "10", "rps"), 3
        ),
        "control_over_redis_hot_mix": _ratio(control_mix, _get(lookup, "redis_hot", "mix", "mean_us"), 1),
        "db_query_reduction_mix": (
            round(1 - cold_q / control_q, 4) if control_q and cold_q is not None else None
        ),
        "batch3_over_single_redis_hot": _ratio(
            _get(lookup, "redis_hot", "batch3", "p50_us"),
            _get(lookup, "redis_hot", "exact_generic", "p50_us"),
        ),
        "batch3_over_single_l1_hot": _ratio(
            _get(lookup, "l1_hot", "batch3", "p50_us"), _get(lookup, "l1_hot", "exact_generic", "p50_us")
        ),
        "control_batch3_over_ours_cold_batch3": _ratio(
            _get(lookup, "control", "batch3", "p50_us"), _get(lookup, "cold", "batch3", "p50_us"), 1
        ),
        "l2_mget3_over_raw_mget3": _ratio(
            _get(lookup, "redis_hot", "batch3", "p50_us"),
            _get(lookup, "redis_hot", "raw_redis_mget3", "p50_us")
            or _get(run, "floor", "redis_mget3", "p50_us"),
        ),
        "http_triage_over_trivial_50": _ratio(
            _get(http, "triage", "50", "rps"), _get(http, "ping", "50", "rps"), 3
        ),
    }
    return out


# (id, description, comparison, limit, run filter, value getter)
_TARGETS: tuple[tuple[str, str, str, float, str, Any], ...] = (
    ("hot_mix_vs_control", "realistic mix: L1-hot lookups >= 50x faster than the control (mean)", ">=", 50,
     "all", lambda run, r: r["control_over_hot_mix"]),
    ("db_queries_mix", "realistic mix from empty caches: >= 95% fewer database queries than the control",
     ">=", 0.95, "all", lambda run, r: r["db_query_reduction_mix"]),
    ("l2_hit_vs_raw_get", "a Redis-served lookup (L1 off) <= 3x a raw redis GET (p50)", "<=", 3, "redis",
     lambda run, r: r["l2_hit_over_raw_get"]),
    ("batch3_vs_single_cold", "a batch of 3 <= 1.5x a single lookup, cold (p50)", "<=", 1.5, "all",
     lambda run, r: r["batch3_over_single"]),
    ("batch3_vs_single_redis_hot", "a batch of 3 <= 1.5x a single lookup, Redis-hot (p50)", "<=", 1.5,
     "redis", lambda run, r: r["batch3_over_single_redis_hot"]),
    ("cold_exact_100k", "cold exact p50 <= 1 ms at 100,000 medicines (ms)", "<=", 1.0, "100k",
     lambda run, r: _ms(_get(run, "lookup", "cold", "exact_generic", "p50_us"))),
    ("cold_fuzzy_100k", "cold fuzzy (typo) p50 <= 3 ms at 100,000 medicines (ms)", "<=", 3.0, "100k",
     lambda run, r: _ms(_get(run, "lookup", "cold", "typo", "p50_us"))),
    ("cold_fuzzy_p99_100k", "cold fuzzy (typo) p99 <= 10 ms at 100,000 medicines (ms)", "<=", 10.0, "100k",
     lambda run, r: _ms(_get(run, "lookup", "cold", "typo", "p99_us"))),
    ("cold_fuzzy_queries_100k", "cold fuzzy (typo): <= 2 database queries in any request at 100,000 "
     "medicines (the once-a-second version poll apart)",
     "<=", 2.0, "100k", lambda run, r: _get(run, "lookup", "cold", "typo", "db_queries_max")),
    ("no_wrong_drug", "labelled set: no wrong drug at any size (wrong drugs)", "<=", 0, "all",
     lambda run, r: _get(run, "accuracy", "rxtriage", "all", "wrong_drug")),
    ("http_throughput_10", "HTTP triage keeps >= 60% of the trivial endpoint's req/s at 10 connections",
     ">=", 0.6, "http", lambda run, r: r["http_triage_over_trivial"]),
    ("http_p99_10", "HTTP triage p99 <= 25 ms at 10 connections (ms)", "<=", 25, "http",
     lambda run, r: _get(run, "http", "endpoints", "triage", "10", "p99_ms")),
    ("http_p99_paced", "HTTP triage p99 <= 25 ms at half its capacity (10 paced connections) (ms)", "<=",
     25, "http", lambda run, r: _get(run, "http", "paced", "triage", "p99_ms")),
    ("redflags_scan_2000", "red-flag scan of 2,000 characters <= 1x the in-process trivial request (p50)",
     "<=", 1.0, "all", lambda run, r: _get(run, "redflags", "ratios", "scan_2000_over_trivial")),
    ("worker_memory_100k", "peak memory per server worker <= 300 MB with 100,000 medicines (MB)", "<=", 300,
     "100k", lambda run, r: _get(run, "http", "worker_peak_rss_mb_max")),
)  # fmt: skip


def _ms(us: float | None) -> float | None:
    return None if us is None else round(us / 1000, 3)


def _applies(kind: str, run: dict[str, Any]) -> bool:
    if kind == "redis":
        return bool(run.get("redis"))
    if kind == "100k":
        return run["size"] == "100k"
    if kind == "http":
        return bool(_get(run, "http", "endpoints"))
    return True


@dataclass
class Report:
    mode: str
    skipped: list[dict[str, str]]
    runs: list[dict[str, Any]] = field(default_factory=list)
    accuracy_ner: dict[str, Any] | None = None
    machine: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    ratios: dict[str, float | None] = field(default_factory=dict)
    ratios_run: str | None = None
    ratios_by_run: dict[str, dict[str, float | None]] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    chart: str | None = None
    chart_written: bool = False

    # --- computing ------------------------------------------------------------------------------------
    def _headline_run(self) -> dict[str, Any] | None:
        """The real formulary on the richest backend: the seed system's own setting (505 drugs)."""
        rank = {"postgres+redis": 0, "postgres": 1, "embedded": 2}
        candidates = sorted(
            self.runs, key=lambda r: (_SIZE_ORDER.get(r["size"], 9), rank.get(r["backend"], 9))
        )
        return candidates[0] if candidates else None

    def finish(self, *, chart_path: str | None) -> None:
        self.runs.sort(key=lambda r: (r["backend"] != "embedded", _SIZE_ORDER.get(r["size"], 9)))
        self.ratios_by_run = {_label(run): run_ratios(run) for run in self.runs}
        headline = self._headline_run()
        keys = ("control_over_hot_mix", "control_over_cold_mix", "l2_hit_over_raw_get", "batch3_over_single",
                "http_triage_over_trivial")  # fmt: skip
        if headline is not None:
            self.ratios_run = _label(headline)
            self.ratios = {k: self.ratios_by_run[self.ratios_run][k] for k in keys}
        else:
            self.ratios = dict.fromkeys(keys)
        self.targets = self._targets()
        if chart_path:
            self.chart = chart_path
            self.chart_written = self._chart(chart_path)

    def _targets(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for target_id, description, comparison, limit, kind, getter in _TARGETS:
            applicable = [run for run in self.runs if _applies(kind, run)]
            if not applicable:
                reason = "not measured in this run" + (
                    " (100,000 medicines: full run only)" if kind == "100k" else ""
                )
                out.append({"id": target_id, "description": description, "run": None, "value": None,
                            "limit": limit, "met": None, "note": reason})  # fmt: skip
                continue
            for run in applicable:
                value = getter(run, self.ratios_by_run[_label(run)])
                met = None if value is None else (value >= limit if comparison == ">=" else value <= limit)
                out.append({"id": target_id, "description": description, "run": _label(run), "value": value,
                            "limit": limit, "met": met})  # fmt: skip
        return out

    def _chart(self, path: str) -> bool:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            self.skipped.append(
                {"part": "chart", "reason": "matplotlib is not installed (pip install 'rxtriage[bench]')"}
            )
            return False
        colours = {"control": "#c0392b", "cold": "#e67e22", "redis_hot": "#2980b9", "l1_hot": "#27ae60"}
        sizes = sorted({r["size"] for r in self.runs}, key=lambda s: _SIZE_ORDER.get(s, 9))
        fig, axes = plt.subplots(2, 3, figsize=(14, 8.5), sharex=True)
        for ax, scenario in zip(axes.flat, _SCENARIOS, strict=True):
            stat = "mean_us" if scenario == "mix" else "p50_us"
            for backend, style, marker in (("postgres+redis", "-", "o"), ("postgres", "-", "o"),
                                           ("embedded", ":", "s")):  # fmt: skip
                runs = [r for r in self.runs if r["backend"] == backend]
                if not runs:
                    continue
                for layer, colour in colours.items():
                    points = [
                        (sizes.index(r["size"]), _get(r, "lookup", layer, scenario, stat)) for r in runs
                    ]
                    points = [(x, y / 1000) for x, y in points if y is not None]
                    if points:
                        xs, ys = zip(*points, strict=True)
                        label = f"{_LAYER_NAMES[layer]} ({backend})"
                        ax.plot(xs, ys, style, marker=marker, color=colour, label=label, markersize=5,
                                mfc="none" if backend == "embedded" else colour)  # fmt: skip
            if scenario in ("exact_generic", "batch3"):
                floor_key = "redis_get" if scenario == "exact_generic" else "redis_mget3"
                for name, key, colour in (
                    ("raw Redis", floor_key, "#7f8c8d"),
                    ("bare SELECT", "indexed_select", "#8e44ad"),
                ):
                    points = [(sizes.index(r["size"]), _get(r, "floor", key, "p50_us")) for r in self.runs
                              if r["backend"] != "embedded"]  # fmt: skip
                    points = [(x, y / 1000) for x, y in points if y is not None]
                    if points:
                        xs, ys = zip(*points, strict=True)
                        ax.plot(xs, ys, "--", color=colour, label=f"{name} (floor)", linewidth=1)
            ax.set_yscale("log")
            ax.set_title(f"{scenario} ({'mean' if scenario == 'mix' else 'p50'})")
            ax.set_xticks(range(len(sizes)), [self._size_name(s) for s in sizes])
            ax.grid(True, which="both", alpha=0.3)
            ax.set_ylabel("ms per request")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
        m = self.machine
        fig.suptitle(
            f"rxtriage lookup latency by layer and size ({self.mode} run, {m.get('date', '')}, "
            f"{m.get('cpu_model', '')}, {m.get('cores', '?')} cores, load {m.get('load_before')})",
            fontsize=10,
        )
        fig.tight_layout(rect=(0, 0.08, 1, 0.96))
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return True

    def _size_name(self, size: str) -> str:
        medicines = next((r["medicines"] for r in self.runs if r["size"] == size), None)
        return f"{size}\n({medicines:,} medicines)" if medicines else size

    # --- output ---------------------------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "mode": self.mode,
            "duration_s": self.duration_s,
            "machine": self.machine,
            "config": self.config,
            "skipped": self.skipped,
            "ratios": self.ratios,
            "ratios_run": self.ratios_run,
            "ratios_by_run": self.ratios_by_run,
            "targets": self.targets,
            "runs": self.runs,
            "accuracy_ner": self.accuracy_ner,
            "chart": self.chart if self.chart_written else None,
        }

    def table(self) -> str:
        lines: list[str] = []
        m = self.machine
        lines.append(
            f"python -m bench ({self.mode}, {self.duration_s:.0f} s) on {m.get('cpu_model')} "
            f"x{m.get('cores')}, "
            f"load {m.get('load_before')} -> {m.get('load_after')}, {m.get('mem_available_mb')} MB free; "
            f"Python {m.get('python')}, Django {m.get('django')}, PostgreSQL {m.get('postgresql')}, "
            f"Redis {m.get('redis')}; {m.get('date')}"
        )
        for run in self.runs:
            lines += ["", self._run_header(run)]
            lines += self._lookup_table(run)
            lines += self._floor_line(run)
            lines += self._http_table(run)
            lines += redflags_lines(run)
            lines += self._accuracy_lines(run)
        if self.accuracy_ner:
            ner = self.accuracy_ner
            cats = ", ".join(
                f"{c} {v['accuracy']:.0%}" for c, v in ner.items() if isinstance(v, dict) and "accuracy" in v
            )
            lines += ["", f"drug-named-entity-recognition on the labelled set: {cats}"]
        lines += [
            "",
            f"ratios (from {self.ratios_run}): "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in self.ratios.items()),
        ]
        lines.append("targets:")
        for t in self.targets:
            verdict = {True: "met   ", False: "MISSED", None: "n/a   "}[t["met"]]
            where = t["run"] or t.get("note", "")
            lines.append(f"  {verdict} {t['description']}: {_fmt(t['value'])} (limit {t['limit']}) [{where}]")
        for item in self.skipped:
            lines.append(
                f"skipped: {item['part']}: {item['reason'].splitlines()[0] if item['reason'] else ''}"
            )
        return "\n".join(lines)

    @staticmethod
    def _run_header(run: dict[str, Any]) -> str:
        reused = ", reused" if run.get("dataset_reused") else ""
        shares = run.get("cpu_shares")
        cpu = (
            f"; CPU busy {shares['busy']:.0%}, iowait {shares['iowait']:.1%}, steal {shares['steal']:.1%}"
            if shares
            else ""
        )
        return (
            f"== {_label(run)}: {run['medicines']:,} medicines, {run['names']:,} names "
            f"(load {run['load_seconds']} s"
            f"{reused}); fuzzy {run['fuzzy_backend']}; mix {run['mix']['length']} lookups, "
            f"{run['mix']['repeat_share']:.0%} repeats{cpu}"
        )

    @staticmethod
    def _lookup_table(run: dict[str, Any]) -> list[str]:
        lookup = run.get("lookup") or {}
        header = f"  {'scenario':<14}" + "".join(
            f"{_LAYER_NAMES[layer] + ' p50':>15}" for layer in _LAYER_NAMES
        )
        header += f"  {'p99 (ctl/cold/L2/L1)':>40}  {'db q/req (ctl/cold/L2/L1)':>27}"
        header += f"  {'redis rt/req (cold/L2)':>22}"
        out = [header]
        for scenario in _SCENARIOS:
            stat = "mean_us" if scenario == "mix" else "p50_us"
            name = "mix (mean)" if scenario == "mix" else scenario
            row = f"  {name:<14}" + "".join(
                f"{_fmt_us(_get(lookup, layer, scenario, stat)):>15}" for layer in _LAYER_NAMES
            )
            p99 = "/".join(_fmt_us(_get(lookup, layer, scenario, "p99_us")) for layer in _LAYER_NAMES)
            queries = "/".join(
                _fmt(_get(lookup, layer, scenario, "db_queries_per_request")) for layer in _LAYER_NAMES
            )
            redis = "/".join(
                _fmt(_get(lookup, layer, scenario, "redis_round_trips_per_request"))
                for layer in ("cold", "redis_hot")
            )
            out.append(row + f"  {p99:>40}  {queries:>27}  {redis:>22}")
        return out

    @staticmethod
    def _floor_line(run: dict[str, Any]) -> list[str]:
        floor = run.get("floor") or {}
        names = (("raw redis GET", "redis_get"), ("raw MGET x3", "redis_mget3"),
                 ("bare indexed SELECT", "indexed_select"))  # fmt: skip
        parts = [f"{name} {_fmt_us(_get(floor, key, 'p50_us'))}" for name, key in names]
        beside = _get(run, "lookup", "redis_hot", "raw_redis_get", "p50_us")
        if beside is not None:
            parts.append(f"raw GET timed beside the Redis-hot lookups {_fmt_us(beside)}")
        build = run.get("fuzzy_index_build_ms")
        extra = f"; in-process fuzzy index built in {build} ms" if build is not None else ""
        extra += f"; fuzzy tier: {run.get('fuzzy_mode', '?')}"
        return [f"  floor (p50): {', '.join(parts)}{extra}"]

    @staticmethod
    def _http_table(run: dict[str, Any]) -> list[str]:
        http = run.get("http")
        if not http:
            return []
        if not http.get("endpoints") or (not http["endpoints"].get("ping") and "error" in http):
            return [f"  HTTP: {http.get('skipped') or http.get('error')}"]
        tool = next((v["tool"] for ep in http["endpoints"].values() for v in ep.values()), "-")
        out = [f"  HTTP ({http['workers']} gunicorn workers, {tool}; peak RSS per worker "
               f"{_fmt(http.get('worker_peak_rss_mb_max'), 1)} MB):"]  # fmt: skip
        out.append(f"    {'endpoint':<34}{'conns':>6}{'req/s':>9}{'p50':>10}{'p99':>10}{'errors':>8}")

        def row(path: str, conns: str, r: dict[str, Any]) -> str:
            return (f"    {path:<34}{conns:>6}{r['rps']:>9.0f}{_fmt(r['p50_ms'], 1) + ' ms':>10}"
                    f"{_fmt(r['p99_ms'], 1) + ' ms':>10}{r['errors']:>8}")  # fmt: skip

        paths = (("ping", "GET /api/ping/"), ("triage", "POST /api/prescriptions/requests/"))
        for name, path in paths:
            for conns, r in sorted(http["endpoints"].get(name, {}).items(), key=lambda kv: int(kv[0])):
                out.append(row(path, conns, r))
        paced = http.get("paced") or {}
        out += [row(path, "paced", paced[name]) for name, path in paths if paced.get(name)]
        if paced:
            out.append(
                f"    paced: {paced['connections']} connections, each pausing {paced['pause_ms']:.0f} ms "
                f"between requests (about {paced['share_of_capacity']:.0%} of triage's req/s at 10)"
            )
        ratios = []
        for conns in sorted(http["endpoints"].get("triage", {}), key=int):
            triage, ping = http["endpoints"]["triage"][conns], http["endpoints"].get("ping", {}).get(conns)
            if ping and ping.get("rps") and triage.get("rps"):
                ratios.append(f"{triage['rps'] / ping['rps']:.2f} at {conns} connections")
        if ratios:
            out.append(
                "    triage req/s over ping req/s (the endpoints in alternating slices): " + ", ".join(ratios)
            )
        if http.get("error"):
            out.append(f"    error: {http['error']}")
        return out

    @staticmethod
    def _accuracy_lines(run: dict[str, Any]) -> list[str]:
        out = []
        for who, acc in (run.get("accuracy") or {}).items():
            cats = ", ".join(f"{c} {v['accuracy']:.0%}" for c, v in acc.items() if c != "all")
            total = acc["all"]
            out.append(f"  accuracy {who}: all {total['accuracy']:.0%} (wrong drug {total['wrong_drug']}, "
                       f"no drug {total['no_drug']}); {cats}")  # fmt: skip
        return out
