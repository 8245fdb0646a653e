#!/usr/bin/env bash
# Installs moto (an S3-compatible server, from PyPI) into its own venv for the object storage
# tests, and prints the path of its moto_server; the tests find it there by themselves.
#   scripts/install_moto.sh
set -euo pipefail
venv="${FILMDEX_MOTO_VENV:-$HOME/.cache/filmdex-moto}"
[ -x "$venv/bin/moto_server" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q "moto[server]"; }
echo "$venv/bin/moto_server"
