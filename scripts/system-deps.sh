#!/usr/bin/env bash
# Installs the system packages `make run` or `make test` needs, when it can (root with
# apt-get); otherwise stops at once with the exact command to run. Never half-way through
# a test run: this is checked before anything else starts.
#   run:  Node.js and npm (the web app is built from source), DejaVu fonts (certificates)
#   test: those, plus Chromium (browser tests), nginx (the X-Accel-Redirect test), wrk
#         (bench/delivery.py) and espeak-ng (speech the caption tests transcribe)
set -euo pipefail
goal="${1:-test}"

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# Certificates are set in DejaVu Sans (any Latin, Greek or Cyrillic name).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "$goal" = test ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
fi
((${#missing[@]})) || exit 0

if [ "$EUID" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "make $goal needs these system packages: ${missing[*]}" >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "Install them, then run make $goal again:  sudo apt-get install -y ${missing[*]}" >&2
else
  echo "Install them with your system's package manager (Debian names: ${missing[*]})," >&2
  echo "then run make $goal again." >&2
fi
exit 1
