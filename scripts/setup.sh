#!/usr/bin/env bash
# Set up a fresh checkout: .venv/ with the project and all its extras, and graphviz's `dot`.
# Idempotent and quick when nothing changed (a stamp file records the pyproject it installed).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VENV=.venv
STAMP="$VENV/.installed"

if ! command -v dot >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing graphviz (for 'dot') with apt-get" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
    else
        echo "setup: graphviz's 'dot' is missing; install it with 'sudo apt-get install graphviz'" \
             "(Debian/Ubuntu) or 'brew install graphviz' (macOS). Rendering to svg/png/pdf needs it." >&2
    fi
fi

# PostgreSQL: the server tests/test_search_postgres.py starts (two search workers on one study).
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing PostgreSQL (Debian's postgresql) with apt-get" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } \
            || echo "setup: PostgreSQL could not be installed; its search test will be skipped" >&2
    else
        echo "setup: PostgreSQL's initdb is missing; install it with 'sudo apt-get install postgresql'" \
             "to run the search-workers test (it is skipped without it)." >&2
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || ! cmp -s pyproject.toml "$STAMP"; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # torch first, pinned to the CPU wheel these machines hold: an unpinned 'torch' pulls a
    # multi-GB CUDA build.
    "$VENV/bin/python" -m pip install -q "torch==2.13.0"
    "$VENV/bin/python" -m pip install -q -e ".[keras,torch,search,dev]"
    cp pyproject.toml "$STAMP"
fi
