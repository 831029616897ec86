#!/usr/bin/env bash
# Fails when a binary needs a glibc symbol version newer than the given one
# (Lambda provided.al2023 ships glibc 2.34).
set -euo pipefail
binary=$1
max=${2:-2.34}
highest=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
if [ "$(printf '%s\n%s\n' "$highest" "$max" | sort -V | tail -1)" != "$max" ]; then
  echo "check-glibc: $binary needs GLIBC_$highest, newer than $max" >&2
  exit 1
fi
echo "check-glibc: $binary needs at most GLIBC_$highest (limit $max)"
