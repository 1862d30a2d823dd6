#!/usr/bin/env bash
# sigma-check: checks Sigma rules offline with pySigma's own linter (`sigma check`) and the
# Sigma rule JSON schema. See README.md.
#
#   check.sh --setup                              install the pinned tools into .venv, then stop
#   check.sh [--confirmed-escape RULE_ID]... DIR...
#
# Each DIR is checked by its own `sigma check` run, so rule ids, titles and file names must be
# unique within a DIR but may repeat across DIRs (one DIR per input report).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
lock="$here/requirements.lock"

usage() {
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Creates the venv when it is missing or was installed from another lock. Installing with
# --no-deps from the lock means nothing unpinned can come in; `pip check` then proves the lock
# is complete.
setup() {
    if [[ -x "$venv/bin/sigma" ]] && cmp -s "$lock" "$venv/installed.lock"; then
        return 0
    fi
    echo "sigma-check: installing the pinned tools into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$lock"
    "$venv/bin/pip" check --disable-pip-version-check >&2
    cp "$lock" "$venv/installed.lock"
}

setup_only=false
confirmed=()
dirs=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --setup) setup_only=true ;;
        --confirmed-escape)
            [[ $# -ge 2 ]] || usage
            confirmed+=("$2")
            shift
            ;;
        -h | --help) usage ;;
        -*) echo "sigma-check: unknown option $1" >&2; usage ;;
        *) dirs+=("$1") ;;
    esac
    shift
done

setup
if $setup_only; then
    exit 0
fi
[[ ${#dirs[@]} -gt 0 ]] || usage

# The two validators that download MITRE ATT&CK and D3FEND data are the only ones left out: they
# crash without a network. Every other validator runs, and any issue fails the check.
args=(-x attacktag -x d3_fendtag)
config=""
if [[ ${#confirmed[@]} -gt 0 ]]; then
    # `escaped_wildcard` asks whether an escaped `*` or `?` is intended. For the rules named
    # here the caller has confirmed it (a literal `?` in a URL); pySigma takes such per-rule
    # exclusions only from a configuration file, which then replaces the -x options above.
    config="$(mktemp)"
    trap 'rm -f "$config"' EXIT
    {
        printf 'validators:\n    - all\n    - -attacktag\n    - -d3_fendtag\nexclusions:\n'
        for id in "${confirmed[@]}"; do
            [[ "$id" =~ ^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$ ]] || {
                echo "sigma-check: $id is not a rule id" >&2
                exit 2
            }
            printf '    %s: escaped_wildcard\n' "$id"
        done
    } >"$config"
    args=(-c "$config")
fi

status=0
for dir in "${dirs[@]}"; do
    echo "sigma-check: sigma check $dir"
    if ! "$venv/bin/sigma" check "${args[@]}" --fail-on-issues "$dir"; then
        status=1
    fi
done
if ! "$venv/bin/python" "$here/validate_schema.py" \
    "$here/sigma-detection-rule-schema.json" "${dirs[@]}"; then
    status=1
fi
exit "$status"
