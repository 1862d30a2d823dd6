"""Run KQL queries on small event tables with duckdb-kql, an offline KQL engine on DuckDB.

Reads one JSON object on stdin:
  {"tables": {"Name": {"columns": [["Col", "string"|"int"|"datetime"], ...],
                       "rows": [[...], ...]}},
   "queries": [{"id": "...", "text": "..."}]}
A datetime cell may be the string "now" or "now-<N>d", so fixtures stay valid over time.

Writes a JSON array on stdout: {"id", "rows": [[...], ...]} or {"id", "error": "..."}.
duckdb-kql refuses what it does not support instead of guessing, so an error is an error.
"""

import datetime
import json
import sys

import duckdb_kql

TYPES = {"string": "VARCHAR", "int": "BIGINT", "long": "BIGINT", "datetime": "TIMESTAMP",
         "bool": "BOOLEAN", "real": "DOUBLE", "dynamic": "JSON"}


def cell(value, kind, now):
    if kind == "datetime" and isinstance(value, str) and value.startswith("now"):
        days = int(value[4:-1]) if value.startswith("now-") else 0
        return now - datetime.timedelta(days=days)
    if kind == "dynamic":
        return json.dumps(value)
    return value


def main():
    spec = json.load(sys.stdin)
    con = duckdb_kql.connect()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    for name, table in spec["tables"].items():
        cols = ", ".join(f'"{c}" {TYPES[t]}' for c, t in table["columns"])
        con.sql(f'CREATE TABLE "{name}" ({cols})')
        marks = ", ".join("?" for _ in table["columns"])
        for row in table["rows"]:
            values = [cell(v, t, now) for v, (_, t) in zip(row, table["columns"])]
            con.execute(f'INSERT INTO "{name}" VALUES ({marks})', values)
    out = []
    for query in spec["queries"]:
        try:
            rows = duckdb_kql.kql(con, query["text"]).fetchall()
            out.append({"id": query["id"], "rows": [[str(v) for v in r] for r in rows]})
        except Exception as exc:  # the engine's refusal is reported, not hidden
            out.append({"id": query["id"], "error": f"{type(exc).__name__}: {exc}"})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
