#!/usr/bin/env bash
# tools/gpu-debs.sh — run HERE (a Debian machine with apt) before a GPU session: downloads the
# Debian packages that the GPU machine lacks (cJSON: libcjson1, libcjson-dev) into .debs/
# (git-ignored). Pass .debs in the device call's carry list; tools/gpu-check.sh unpacks them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .debs
cd .debs
apt-get download libcjson1 libcjson-dev
ls -l "$PWD"
