#!/usr/bin/env bash
# One entry point for the README's two commands:
#   bash scripts/cim-dev.sh up [cim up flags...]   install what is missing, build, start a leaf node
#   bash scripts/cim-dev.sh test                   install what is missing, run every test
#                                                  (nats-server, chromium, nix-bin, npm dependencies)
# It only installs what is absent and says exactly what to install when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'cim-dev: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need_node() {
  command -v node >/dev/null || die "Node.js 20 or newer is required: install it (https://nodejs.org or your distribution's nodejs package) and run this again."
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js $(node -v) is too old: CIM needs Node.js 20 or newer."
}

# Runs a command as root, through sudo when we are not root; fails when neither is possible.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_nats() {
  if [ -n "${CIM_NATS_SERVER:-}" ] && [ -x "$CIM_NATS_SERVER" ]; then return; fi
  command -v nats-server >/dev/null && return
  say "installing nats-server (Debian package)..."
  apt_install nats-server ||
    die "nats-server is missing and could not be installed: run 'sudo apt-get install nats-server' (or put a nats-server 2.9+ binary on PATH) and run this again."
}

# The web UI's end-to-end tests drive Debian's Chromium (never a downloaded browser).
need_chromium() {
  [ -x /usr/bin/chromium ] && return
  say "installing chromium (Debian package, for the web UI's browser tests)..."
  apt_install chromium ||
    die "chromium is missing and could not be installed: run 'sudo apt-get install chromium' and run this again."
}

# The deployment tests evaluate the project's pure Nix functions with nix-instantiate, and check
# rendered TLS settings with a throwaway certificate from openssl.
need_nix_tools() {
  if ! command -v nix-instantiate >/dev/null; then
    say "installing nix-bin (Debian package, to evaluate the project's Nix functions in tests)..."
    apt_install nix-bin ||
      die "nix-instantiate is missing and could not be installed: run 'sudo apt-get install nix-bin' (or use a machine with Nix) and run this again."
  fi
  command -v openssl >/dev/null && return
  apt_install openssl ||
    die "openssl is missing and could not be installed: run 'sudo apt-get install openssl' and run this again."
}

need_modules() {
  local stamp=node_modules/.cim-lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    say "installing npm dependencies..."
    npm ci --no-fund --no-audit --loglevel=error
    cp package-lock.json "$stamp"
  fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  up)
    need_node; need_nats; need_modules
    npm run build --silent
    exec node bin/cim.js up "$@"
    ;;
  test)
    need_node; need_nats; need_chromium; need_nix_tools; need_modules
    exec npm test --silent
    ;;
  *)
    die "usage: bash scripts/cim-dev.sh up [flags] | test"
    ;;
esac
