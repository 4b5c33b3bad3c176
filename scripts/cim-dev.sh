#!/usr/bin/env bash
# One entry point for the README's two commands:
#   bash scripts/cim-dev.sh up [cim up flags...]   install what is missing, build, start a leaf node
#                                                  (a nats-server 2.10.23+ in .tools/ when the
#                                                  system's is older, npm dependencies)
#   bash scripts/cim-dev.sh test                   install what is missing, run every test
#                                                  (the same, plus the system's nats-server that
#                                                  tests refuse, chromium, nix-bin, dovecot-imapd,
#                                                  fuse3 and the power-loss file system)
#   bash scripts/cim-dev.sh nats-tools             only the nats-server 2.10.23+ CIM runs on
#                                                  (`cluster-tools`, its former name, still works)
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

# The system's nats-server (Debian 12's 2.9): tests check CIM refuses it with the reason.
need_nats() {
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

# The mail connector's tests run Debian's dovecot as a real IMAP server (src/testing/imap-server.ts).
need_dovecot() {
  [ -x /usr/sbin/dovecot ] && command -v doveadm >/dev/null && return
  say "installing dovecot-imapd (Debian package, for the mail connector's tests)..."
  apt_install dovecot-imapd ||
    die "dovecot is missing and could not be installed: run 'sudo apt-get install dovecot-imapd' and run this again."
}

# Every nats-server CIM runs (the single node, cluster members, leaves) must be >= 2.10.23: 2.9
# (Debian 12's) lost acknowledged messages after a leader kill on these machines and rejects
# `sync_interval`, and Jepsen found whole streams lost on crashes in 2.10.20-2.10.22 (decision
# 0015). When the system's server is older, the package of Debian testing (forky: 2.15.1 when
# chosen; a Go binary needing only libc 2.34+, which Debian 12 has) is downloaded with apt-get
# using a private source list and state folder built from this system's own Debian mirror, and
# unpacked into .tools/ -- the system's apt configuration is never changed.
TOOLS_NATS=.tools/nats-server/nats-server
MIN_NATS=2.10.23
nats_recent_enough() {
  local v
  v=$("$1" --version 2>/dev/null | sed -n 's/.*v\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
  [ -n "$v" ] || return 1
  [ "$(printf '%s\n%s\n' "$MIN_NATS" "$v" | sort -V | head -n1)" = "$MIN_NATS" ]
}
debian_mirror() {
  local uri
  uri=$(grep -hE '^[[:space:]]*(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null |
    grep -oE '(https?|file)://[^ ]+' | grep -v -- '-security' | head -n1 || true)
  printf '%s' "${uri:-http://deb.debian.org/debian}"
}
need_fetched_nats() {
  if [ -n "${CIM_NATS_SERVER:-}" ] && nats_recent_enough "$CIM_NATS_SERVER"; then return; fi
  if command -v nats-server >/dev/null && nats_recent_enough "$(command -v nats-server)"; then return; fi
  [ -x "$TOOLS_NATS" ] && nats_recent_enough "$TOOLS_NATS" && return
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
    die "CIM needs nats-server $MIN_NATS or newer and this system's is older: put one at $TOOLS_NATS (or on PATH) and run this again."
  say "fetching nats-server $MIN_NATS+ (Debian testing's package) into .tools/..."
  local work mirror arch
  work=$(mktemp -d)
  mirror=$(debian_mirror)
  arch=$(dpkg --print-architecture)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/deb"
  printf 'deb [arch=%s signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s forky main\n' "$arch" "$mirror" >"$work/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/none"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User="$(id -un)" -qq)
  if ! (apt-get "${opts[@]}" update >/dev/null && cd "$work/deb" && apt-get "${opts[@]}" download nats-server >/dev/null); then
    rm -rf "$work"
    die "could not download Debian testing's nats-server from $mirror: put a nats-server $MIN_NATS+ binary at $TOOLS_NATS (or on PATH) and run this again."
  fi
  dpkg-deb -x "$work"/deb/nats-server_*.deb "$work/root"
  mkdir -p "$(dirname "$TOOLS_NATS")"
  install -m 0755 "$work/root/usr/sbin/nats-server" "$TOOLS_NATS"
  rm -rf "$work"
  nats_recent_enough "$TOOLS_NATS" || die "the downloaded nats-server at $TOOLS_NATS is older than $MIN_NATS: put a $MIN_NATS+ binary there and run this again."
}

# The power-loss test runs the node's store on a FUSE file system of our own
# (src/testing/power-loss-fs/), compiled here against Debian's libfuse3; fuse3's fusermount3 mounts it.
POWER_LOSS_FS=.tools/power-loss-fs/power-loss-fs
need_power_loss_fs() {
  [ -e /dev/fuse ] ||
    die "/dev/fuse is missing: the power-loss test needs FUSE (load the fuse module, or give the container --device /dev/fuse --cap-add SYS_ADMIN) and run this again."
  if ! command -v fusermount3 >/dev/null || ! command -v gcc >/dev/null || [ ! -f /usr/include/fuse3/fuse.h ] || [ ! -f /usr/include/stdio.h ]; then
    say "installing fuse3, libfuse3-dev and gcc (Debian packages, for the power-loss file system)..."
    apt_install fuse3 libfuse3-dev gcc libc6-dev ||
      die "fuse3, libfuse3-dev or gcc is missing and could not be installed: run 'sudo apt-get install fuse3 libfuse3-dev gcc' and run this again."
  fi
  if [ ! -x "$POWER_LOSS_FS" ] || [ -n "$(find src/testing/power-loss-fs -newer "$POWER_LOSS_FS" -type f)" ]; then
    say "compiling the power-loss file system into .tools/..."
    sh src/testing/power-loss-fs/build.sh "$POWER_LOSS_FS" ||
      die "could not compile src/testing/power-loss-fs: see the compiler's message above."
  fi
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
    need_node; need_fetched_nats; need_modules
    npm run build --silent
    exec node bin/cim.js up "$@"
    ;;
  test)
    need_node; need_nats; need_fetched_nats; need_chromium; need_nix_tools; need_dovecot; need_power_loss_fs; need_modules
    exec npm test --silent
    ;;
  nats-tools | cluster-tools)
    need_fetched_nats
    say "nats-server for CIM: $(command -v nats-server >/dev/null && nats_recent_enough "$(command -v nats-server)" && command -v nats-server || echo "$PWD/$TOOLS_NATS")"
    ;;
  *)
    die "usage: bash scripts/cim-dev.sh up [flags] | test | nats-tools"
    ;;
esac
