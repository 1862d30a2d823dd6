#!/usr/bin/env python3
"""Validates every Sigma rule under the given directories against the Sigma rule JSON schema.

Each `*.yml` file may hold several YAML documents; each is one rule. YAML is read with PyYAML,
a YAML 1.1 reader like pySigma's, so a value that a YAML 1.1 reader retypes (an unquoted date
becomes a date, `yes` a boolean) fails here as it would there. Formats (`uuid`) are checked.

Usage: validate_schema.py SCHEMA DIR...
Prints one line per problem and a closing `N passed, N failed` line; exits 1 when any failed.
"""

import json
import sys
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    schema = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    passed = failed = 0
    for directory in argv[2:]:
        for path in sorted(Path(directory).rglob("*.yml")):
            with path.open(encoding="utf-8") as handle:
                documents = list(yaml.safe_load_all(handle))
            for number, rule in enumerate(documents, start=1):
                if rule is None:
                    continue
                errors = sorted(validator.iter_errors(rule), key=lambda e: list(e.absolute_path))
                if errors:
                    failed += 1
                    for error in errors:
                        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
                        print(f"{path}: document {number}: {where}: {error.message}")
                else:
                    passed += 1
    print(f"schema: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
