#!/usr/bin/env bash
# Installs the real third-party peers the tests use (apt packages + vsftpd/pure-ftpd/ProFTPD unpacked side by side in .peers/).
#
# Idempotent and fast when everything is present. Not root / no network: loud warning, exit 0,
# except with CI=true where any failure exits non-zero (a CI run must not silently skip peers).
set -u
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PEERS="$REPO/.peers"
CI_MODE="${CI:-}"
FAILED=0

warn() {
  echo "" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! install-peers: $*" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  FAILED=1
}
info() { echo "install-peers: $*"; }

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed'; }

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then
    APT_UPDATED=1
    info "apt-get update"
    apt-get update -qq >/dev/null 2>&1 || warn "apt-get update failed (no network?)"
  fi
}

# Is the package known to apt (has a candidate)?
has_candidate() {
  local c
  c="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  [ -n "$c" ] && [ "$c" != "(none)" ]
}

# 1. Packages the tests run directly (apt-get install when missing).
APT_PKGS=(curl lftp wget python3 python3-pyftpdlib python3-openssl nftables iptables iproute2 tmux openssl tcpdump procps)
MISSING=()
for p in "${APT_PKGS[@]}"; do is_installed "$p" || MISSING+=("$p"); done
if [ "${#MISSING[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    warn "not root: cannot install ${MISSING[*]} — tests needing them will be SKIPPED (or FAIL with CI=true)"
  else
    for p in "${MISSING[@]}"; do has_candidate "$p" || { apt_update_once; break; }; done
    info "apt-get install ${MISSING[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null 2>&1; then
      apt_update_once
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null 2>&1 \
        || warn "apt-get install ${MISSING[*]} failed"
    fi
  fi
fi

# 2. The three conflicting FTP servers, unpacked into .peers/<name>/ (never installed system-wide).
#    name | main binary (relative to the unpacked tree) | packages to unpack there
SERVERS=(
  "vsftpd|usr/sbin/vsftpd|vsftpd"
  "pure-ftpd|usr/sbin/pure-ftpd|pure-ftpd pure-ftpd-common"
  "proftpd|usr/sbin/proftpd|proftpd-core proftpd-mod-crypto"
)

lib_dirs() { # the library folders of an unpacked tree, ':'-joined
  local d="$1"
  echo "$d/usr/lib/x86_64-linux-gnu:$d/lib/x86_64-linux-gnu:$d/usr/lib:$d/usr/lib/proftpd"
}

# All files that must resolve their libraries: the binary and, for ProFTPD, the modules.
check_libs() { # dir binary -> prints missing sonames
  local dir="$1" bin="$2" f
  for f in "$dir/$bin" "$dir"/usr/lib/proftpd/mod_tls.so; do
    [ -e "$f" ] || continue
    LD_LIBRARY_PATH="$(lib_dirs "$dir")" ldd "$f" 2>/dev/null | awk '/not found/ {print $1}'
  done | sort -u
}

download_into() { # dir pkg...
  local dir="$1"; shift
  local tmp; tmp="$(mktemp -d)"
  chmod 777 "$tmp"
  if ! (cd "$tmp" && apt-get download "$@" >/dev/null 2>&1); then
    apt_update_once
    (cd "$tmp" && apt-get download "$@" >/dev/null 2>&1) || { rm -rf "$tmp"; return 1; }
  fi
  local deb
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$dir" || { rm -rf "$tmp"; return 1; }; done
  rm -rf "$tmp"
}

# Library packages (Depends: lib*) of the given packages that are not installed, recursively (depth 3).
missing_lib_deps() {
  local seen=" " queue=("$@") out=() depth=0 next p d
  while [ "${#queue[@]}" -gt 0 ] && [ "$depth" -lt 3 ]; do
    next=()
    for p in "${queue[@]}"; do
      for d in $(apt-cache depends --no-recommends --no-suggests "$p" 2>/dev/null | awk '/^ *Depends: lib/ {print $2}' | tr -d '<>'); do
        case "$seen" in *" $d "*) continue ;; esac
        seen="$seen$d "
        is_installed "$d" && continue
        out+=("$d"); next+=("$d")
      done
    done
    queue=("${next[@]+"${next[@]}"}"); depth=$((depth + 1))
  done
  echo "${out[@]+"${out[@]}"}"
}

for entry in "${SERVERS[@]}"; do
  IFS='|' read -r name bin pkgs <<<"$entry"
  dir="$PEERS/$name"
  if [ -x "$dir/$bin" ] && [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$pkgs" ] && [ -z "$(check_libs "$dir" "$bin")" ]; then
    continue
  fi
  if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
    warn "no apt-get/dpkg: cannot unpack $name — its tests will be SKIPPED (or FAIL with CI=true)"
    continue
  fi
  info "unpacking $pkgs into .peers/$name"
  rm -rf "$dir"; mkdir -p "$dir"
  # shellcheck disable=SC2086
  if ! download_into "$dir" $pkgs; then
    warn "apt-get download $pkgs failed (no network?) — $name tests will be SKIPPED (or FAIL with CI=true)"
    continue
  fi
  # shellcheck disable=SC2086
  libs="$(missing_lib_deps $pkgs)"
  if [ -n "$libs" ]; then
    info "  + libraries not installed on this system: $libs"
    # shellcheck disable=SC2086
    download_into "$dir" $libs || warn "could not download $libs for $name"
  fi
  missing="$(check_libs "$dir" "$bin")"
  if [ -n "$missing" ]; then
    warn "$name still misses libraries: $missing"
    continue
  fi
  echo "$pkgs" >"$dir/.complete"
done

# 3. A system user with a known password for servers that authenticate against /etc/passwd (vsftpd, ProFTPD, pure-ftpd -l unix).
if [ "$(id -u)" = 0 ]; then
  # vsftpd changes into the home directory before local_root, so it must exist.
  TEST_HOME=/var/lib/ftpgate-test
  if ! id ftpgate-test >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir "$TEST_HOME" --shell /bin/bash ftpgate-test >/dev/null 2>&1 \
      || warn "useradd ftpgate-test failed"
  fi
  if id ftpgate-test >/dev/null 2>&1; then
    [ "$(getent passwd ftpgate-test | cut -d: -f6)" = "$TEST_HOME" ] || usermod -d "$TEST_HOME" ftpgate-test
    [ -d "$TEST_HOME" ] || { mkdir -p "$TEST_HOME" && chown ftpgate-test: "$TEST_HOME"; }
  fi
  if id ftpgate-test >/dev/null 2>&1 && [ ! -f "$PEERS/.user-ok" ]; then
    echo 'ftpgate-test:ftpgate-test-pw' | chpasswd && mkdir -p "$PEERS" && touch "$PEERS/.user-ok" || warn "chpasswd failed"
  fi
  # vsftpd's secure_chroot_dir default; must exist and be empty, not writable by the ftp user.
  mkdir -p /var/run/vsftpd/empty 2>/dev/null || true
else
  id ftpgate-test >/dev/null 2>&1 || warn "not root: cannot create the ftpgate-test user (vsftpd/ProFTPD/pure-ftpd tests will skip)"
fi

if [ "$FAILED" = 1 ]; then
  if [ "$CI_MODE" = "true" ]; then
    echo "install-peers: FAILED and CI=true — failing" >&2
    exit 1
  fi
  echo "install-peers: some peers are missing; their tests will be skipped (set CI=true to make this fatal)" >&2
fi
exit 0
