"""Converts Sigma rules to ES|QL with pySigma's Elasticsearch backend, offline.

stdin: a JSON array of {"id": str, "rule": str (Sigma YAML)}.
stdout: a JSON array in input order of {"id", "queries": [str]} or {"id", "error": str}.
No processing pipeline is applied, so field names pass through unchanged: the rules in the
tests already use ECS names.
"""

import json
import sys

from sigma.backends.elasticsearch import ESQLBackend
from sigma.collection import SigmaCollection
from sigma.processing.pipeline import ProcessingPipeline


def convert(rule: str) -> list:
    backend = ESQLBackend(ProcessingPipeline())
    return backend.convert(SigmaCollection.from_yaml(rule))


def main() -> int:
    results = []
    for item in json.load(sys.stdin):
        try:
            results.append({"id": item["id"], "queries": convert(item["rule"])})
        except Exception as error:  # reported per rule; the caller decides
            results.append({"id": item["id"], "error": f"{type(error).__name__}: {error}"})
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
