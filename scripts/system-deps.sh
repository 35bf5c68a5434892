#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser tests, CJK fonts for PDF reports and
# screenshots, gettext for translations, poppler-utils to look at PDF pages, Pango for WeasyPrint
# (PDF reports), and PostGIS for the PostgreSQL 15 server when that server is installed here
# (locating appeals by point; without it the platform locates in Python). Installed by name with
# apt when missing (needs root, or sudo).
set -euo pipefail
need=()
wanted=(chromium fonts-noto-cjk gettext poppler-utils libpango-1.0-0 libpangoft2-1.0-0)
if dpkg-query -W -f='${Status}' postgresql-15 2>/dev/null | grep -q "install ok installed"; then
  wanted+=(postgresql-15-postgis-3)
fi
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    need+=("$pkg")
  fi
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "Installing Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
