"""Paths to the shipped ontology files (works from a checkout and from a wheel)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def read(name: str) -> str:
    return resources.files("kg.ontology").joinpath(name).read_text(encoding="utf-8")


def jsonld_context() -> dict[str, Any]:
    return json.loads(read("context.jsonld"))["@context"]
