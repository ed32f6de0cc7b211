#!/usr/bin/env bash
# Lints the 1C extension in examples/1c: every BSL file with the onec-hbk-bsl linter (0 errors
# required; its summary is printed), every XML file parsed, and tools/prepare.py checked on a
# made-up base dump. The linter needs Python >= 3.12; it is installed once into a venv under
# target/ (kept between runs, so a repeat costs about two seconds).
set -euo pipefail
cd "$(dirname "$0")/.."

LINTER_VERSION=0.8.53
venv=target/bsl-lint-venv

find_python() {
    local candidate
    for candidate in python3.13 python3.12 /root/.pyenv/versions/3.1[2-9]*/bin/python \
        "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! "$venv/bin/onec-hbk-bsl" --version 2>/dev/null | grep -q "$LINTER_VERSION"; then
    pip_flags=()
    if ! python=$(find_python); then
        # A machine with only the system Python 3.11: the linter's code runs on it (checked with
        # 0.8.53), only its metadata asks for 3.12.
        python=python3
        pip_flags=(--ignore-requires-python)
        echo "lint-bsl: no Python 3.12+ found; installing onec-hbk-bsl on $($python --version)"
    fi
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pip_flags[@]}" "onec-hbk-bsl==$LINTER_VERSION"
fi

echo "== XML: every file of examples/1c parsed"
python3 - <<'PY'
import pathlib, sys, xml.etree.ElementTree as ET
files = sorted(pathlib.Path("examples/1c").rglob("*.xml"))
for path in files:
    try:
        ET.parse(path)
    except ET.ParseError as error:
        sys.exit(f"{path}: {error}")
print(f"{len(files)} XML files well-formed")
PY

echo "== tools/prepare.py on a made-up base dump"
python3 examples/1c/tools/check_prepare.py

echo "== BSL: onec-hbk-bsl $LINTER_VERSION (settings and explained exceptions: examples/1c/onec-hbk-bsl.toml)"
cd examples/1c
report=$(mktemp)
trap 'rm -f "$report"' EXIT
# Errors fail the build; errors and warnings are listed, infos only counted in the linter's own
# summary line ("Found N error(s), M warning(s), K info/hint(s) in F file(s).").
COLUMNS=400 "../../$venv/bin/onec-hbk-bsl" check --exit-zero src >"$report" 2>&1
grep -E ": [EW] BSL[0-9]+ " "$report" | sed "s|^$PWD/||" || true
summary=$(grep -E "^(Found|No issues)" "$report" | tail -n 1)
if [[ -z "$summary" ]]; then
    cat "$report"
    echo "lint-bsl: no summary from onec-hbk-bsl" >&2
    exit 1
fi
echo "onec-hbk-bsl summary: $summary"
errors=$(sed -nE 's/.*[^0-9]([0-9]+) error\(s\).*/\1/p' <<<" $summary")
if ((${errors:-0} > 0)); then
    echo "lint-bsl: $errors error(s)" >&2
    exit 1
fi
