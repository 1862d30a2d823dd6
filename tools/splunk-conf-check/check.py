#!/usr/bin/env python3
"""Parses .conf files with Splunk's conf-file parser (addonfactory-splunk-conf-parser-lib).

    .venv/bin/python check.py FILE...

stdout: one JSON object, {file: {stanza: {setting: value}}}, the values exactly as the parser
returns them. exit: 0 when every file parses, 1 when one does not (the parser's message on
stderr), 2 for bad usage.
"""
import json
import sys

from addonfactory_splunk_conf_parser_lib import TABConfigParser


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    result = {}
    failed = False
    for path in paths:
        parser = TABConfigParser()
        try:
            with open(path, encoding="utf-8") as handle:
                parser.read_file(handle)
        except Exception as error:  # the parser raises configparser errors and more
            print(f"{path}: {error}", file=sys.stderr)
            failed = True
            continue
        result[path] = parser.item_dict()
        if parser.fields_outside_stanza:
            print(f"{path}: settings outside any stanza: {parser.fields_outside_stanza}",
                  file=sys.stderr)
            failed = True
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
