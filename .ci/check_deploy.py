"""Offline checks of deploy/ and monitoring/ that the linters do not cover (run by .ci/check-deploy).

- every Terraform file parses (python-hcl2) and the stack holds what docs/operations.md promises;
- the compose file: app, postgres and redis, each with a health check and its environment from a file,
  state on named volumes that are declared;
- the systemd unit passes ``systemd-analyze verify`` without a warning (where systemd-analyze exists);
- the Grafana dashboard is valid JSON and every metric it plots is one rxtriage exports or a recording
  rule of monitoring/rxtriage-rules.yml.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import hcl2
import yaml

ROOT = Path(__file__).resolve().parents[1]
# Every metric rxtriage exports (rxtriage/ops/metrics.py, rxtriage/lookup/server_metrics.py).
EXPORTED = {
    "rxtriage_drug_cache_events_total",
    "rxtriage_drug_lookup_tier_seconds_bucket",
    "rxtriage_redis_breaker_open",
    "rxtriage_drug_lookups_total",
    "rxtriage_triage_decisions_total",
    "rxtriage_http_requests_total",
    "rxtriage_http_request_seconds_bucket",
    "rxtriage_ready",
    "rxtriage_redis_up",
    "rxtriage_redis_used_memory_bytes",
    "rxtriage_redis_maxmemory_bytes",
    "rxtriage_redis_keys",
    "rxtriage_redis_keyspace_hit_ratio",
    "rxtriage_redis_evicted_keys_total",
    "rxtriage_redis_keyspace_hits_total",
    "rxtriage_redis_keyspace_misses_total",
}
problems: list[str] = []


def check(condition: bool, message: str) -> None:
    if not condition:
        problems.append(message)


def _value(raw: object) -> object:
    """python-hcl2 gives some attributes as one-element lists."""
    return raw[0] if isinstance(raw, list) and len(raw) == 1 else raw


def terraform() -> None:
    resources: dict[str, dict[str, dict]] = {}
    for path in sorted((ROOT / "deploy/terraform").glob("*.tf")):
        with path.open() as handle:
            try:
                parsed = hcl2.load(handle)
            except Exception as exc:
                problems.append(f"{path.name}: does not parse: {exc}")
                continue
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                resources.setdefault(kind.strip('"'), {}).update({k.strip('"'): v for k, v in named.items()})
    groups = resources.get("aws_elasticache_replication_group", {})
    check(len(groups) == 1, "terraform: one ElastiCache replication group")
    for group in groups.values():
        for key in ("transit_encryption_enabled", "automatic_failover_enabled", "multi_az_enabled"):
            check(_value(group.get(key)) is True, f"terraform: the replication group sets {key}")
        check("secret" in str(group.get("auth_token")), "terraform: the AUTH token comes from a secret")
    instances = resources.get("aws_db_instance", {})
    check(any("replicate_source_db" in i for i in instances.values()), "terraform: RDS has a read replica")
    check(len(resources.get("aws_cloudwatch_metric_alarm", {})) >= 4, "terraform: CloudWatch alarms")


def compose() -> None:
    spec = yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())
    services, volumes = spec.get("services", {}), set(spec.get("volumes", {}))
    check(set(services) >= {"app", "postgres", "redis"}, "compose: app, postgres and redis services")
    for name, service in services.items():
        check("healthcheck" in service, f"compose: {name} has a health check")
        check(bool(service.get("env_file")), f"compose: {name} takes its environment from a file")
        for mount in service.get("volumes", []):
            source = str(mount).split(":", 1)[0]
            check(source in volumes, f"compose: {name} mounts the declared named volume {source!r}")
    check((ROOT / "deploy/rxtriage.env.example").is_file(), "compose: deploy/rxtriage.env.example exists")


def systemd_unit() -> None:
    unit = ROOT / "deploy/systemd/rxtriage.service"
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("   systemd-analyze not installed: unit not verified")
        return
    with tempfile.TemporaryDirectory() as folder:
        # verify wants ExecStart's binary to exist: point it at one that does, keep everything else.
        copy = Path(folder) / unit.name
        copy.write_text(
            unit.read_text().replace("/opt/rxtriage/bin/rxtriage", shutil.which("true") or "/bin/true")
        )
        result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip()
    check(result.returncode == 0 and not output, f"systemd unit: {output or result.returncode}")


def dashboard() -> None:
    board = json.loads((ROOT / "monitoring/grafana-dashboard.json").read_text())
    rules = yaml.safe_load((ROOT / "monitoring/rxtriage-rules.yml").read_text())
    recorded = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            for name in re.findall(r"\b(rxtriage[:_][a-z0-9_:]+)", target["expr"]):
                check(name in EXPORTED or name in recorded, f"dashboard: {panel['title']}: unknown {name}")
    for group in rules["groups"]:
        for rule in group["rules"]:
            for name in re.findall(r"\b(rxtriage_[a-z0-9_]+)", rule["expr"]):
                check(name in EXPORTED, f"rules: {rule.get('alert') or rule.get('record')}: unknown {name}")


for step in (terraform, compose, systemd_unit, dashboard):
    step()
if problems:
    print("\n".join(f"   FAILED {p}" for p in problems))
    sys.exit(1)
print("   HCL parses; compose, systemd unit, dashboard and rule metric names check out")
