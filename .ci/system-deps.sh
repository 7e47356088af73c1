#!/usr/bin/env bash
# System packages, installed only when missing (quick when all is there).
#   .ci/system-deps.sh          what the test suite needs: Chromium for browser tests, gettext
#                               to compile translations
#   .ci/system-deps.sh cluster  what `make cluster` needs besides: PgBouncer, HAProxy, curl
#                               (PostgreSQL, its client tools and Redis are there already)
# The face engine (dlib-bin's prebuilt wheel, prakerja/identity/faces.py) links only libstdc++,
# libm and libc, which every Debian has: nothing to install for it.
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
missing=()
case "${1:-suite}" in
  suite)
    have chromium || missing+=(chromium fonts-noto-core)
    have msgfmt || missing+=(gettext)
    ;;
  cluster)
    have pgbouncer || missing+=(pgbouncer)
    have haproxy || missing+=(haproxy)
    have curl || missing+=(curl)
    ;;
  *) echo "usage: $0 [suite|cluster]" >&2; exit 2 ;;
esac
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "error: missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
