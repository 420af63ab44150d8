"""Declarative client management: a clients file, a plan, an apply, published secrets.

``load_clients_file(path)`` reads and validates the file; ``plan_clients(client, entries)``
decides per client from one ``GET /clients``; ``apply_clients(client, entries_or_plan)``
executes in parallel and publishes minted secrets (``publish``).
"""

from __future__ import annotations

from .clients_file import ClientsFileError, Entry, Problem, load_clients_file, parse_entries
from .executor import ApplyReport, ClientResult, apply_clients
from .planner import ClientPlan, FieldChange, PlanReport, plan_clients
from .publish import render_k8s_manifests, write_secret_file

__all__ = [
    "ApplyReport",
    "ClientPlan",
    "ClientResult",
    "ClientsFileError",
    "Entry",
    "FieldChange",
    "PlanReport",
    "Problem",
    "apply_clients",
    "load_clients_file",
    "parse_entries",
    "plan_clients",
    "render_k8s_manifests",
    "write_secret_file",
]
