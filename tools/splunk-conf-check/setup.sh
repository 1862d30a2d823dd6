#!/usr/bin/env bash
# Creates tools/splunk-conf-check/.venv and installs the pinned conf-file parser into it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$here/.venv/bin/python" ]; then
  python3 -m venv "$here/.venv"
fi
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.lock"
