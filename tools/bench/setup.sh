#!/usr/bin/env bash
# Creates tools/bench/.venv with the pinned pySigma the benchmark compares against. Installing
# with --no-deps from the lock means nothing unpinned comes in; `pip check` proves the lock is
# complete. Reinstalls only when the lock changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
lock="$here/requirements.lock"
if [[ -x "$venv/bin/sigma" ]] && cmp -s "$lock" "$venv/installed.lock"; then
    exit 0
fi
echo "bench: installing the pinned pySigma into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$lock"
"$venv/bin/pip" check --disable-pip-version-check >&2
cp "$lock" "$venv/installed.lock"
