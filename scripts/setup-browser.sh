#!/usr/bin/env bash
# Headless Chromium (Debian's package) for the browser test of the HTML report. Installs only
# when missing, so repeated runs cost nothing; nothing installed by hand survives a new machine.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-browser: chromium is missing and this is not root: apt-get install chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
