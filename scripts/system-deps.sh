#!/usr/bin/env bash
# Install the Debian packages the tests and the demo use, when they are missing:
# net-snmp's agent and tools, OpenSSH's server, Chromium for browser tests,
# iproute2 for network namespaces, Xvfb for the agent's Tk lock screen, CUPS (cupsd,
# lp/lpadmin, and the socket:// backend, which only the package cups has) for the printing
# tests and libcups2-dev to build pycups, nginx for the test of
# the shipped proxy configuration (tests/foundation/test_behind_nginx.py). Needs
# root (or sudo); prints what it would need otherwise and goes on, so that the
# tests that need them say why they skip.
set -euo pipefail
# Extra packages may be named on the command line (bench/snmp_sweep.py compares
# against prometheus-snmp-exporter: `bash scripts/system-deps.sh prometheus-snmp-exporter`).
packages=(snmpd snmp openssh-server openssh-client chromium chromium-driver iproute2 xvfb python3-tk
          locales libreoffice-calc cups cups-daemon cups-client libcups2-dev gcc nginx "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The Polish locale, so LibreOffice opens the CSV exports as a Polish user's does.
if command -v locale-gen >/dev/null && ! locale -a 2>/dev/null | grep -qi '^pl_PL.utf-\?8$'; then
  if [ "$(id -u)" = 0 ]; then
    sed -i 's/^# *pl_PL.UTF-8 UTF-8/pl_PL.UTF-8 UTF-8/' /etc/locale.gen && locale-gen >/dev/null
  else
    echo "system-deps: not root; enable pl_PL.UTF-8 in /etc/locale.gen and run locale-gen" >&2
  fi
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "system-deps: no apt-get here; install by hand: ${missing[*]}" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "system-deps: not root; install by hand: ${missing[*]}" >&2; exit 0; fi
fi
echo "system-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts snmpd as a service on install; the tests run their own.
if [ -x /usr/sbin/service ] || command -v systemctl >/dev/null; then
  ($sudo service snmpd stop || true) >/dev/null 2>&1
  ($sudo service prometheus-snmp-exporter stop || true) >/dev/null 2>&1
  ($sudo service cups stop || true) >/dev/null 2>&1  # the printing tests run their own cupsd
  ($sudo service nginx stop || true) >/dev/null 2>&1  # test_behind_nginx runs its own
fi
