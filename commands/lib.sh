# shellcheck shell=bash
# ci-bot recipe library. The runner sends this file ahead of each commands/<name>/run.sh, inside one
# `{ …; } </dev/null` block, after `export NAME='value'` lines for the recipe's parameters and DRY_RUN.
#
# Step markers on stdout (parsed by src/recipes/step-markers.ts):
#   ::step <name>   ::changed <what>   ::ok <what>   ::skip <why>   ::fail <why>
# Every change goes through put_file / ensure_packages / ensure_service, which compare first (idempotent: a
# second run prints no ::changed) and, with DRY_RUN=1, print what they would do and change nothing.

step() { printf '::step %s\n' "$1"; }
changed() { printf '::changed %s\n' "$1"; }
ok() { printf '::ok %s\n' "${1:-}"; }
skip() { printf '::skip %s\n' "${1:-}"; }
fail() {
  printf '::fail %s\n' "$1"
  exit 1
}
dry_run() { [ "${DRY_RUN:-0}" = 1 ]; }

# os_field NAME: a field of /etc/os-release, quotes removed (read, never sourced).
os_field() {
  sed -n "s/^$1=//p" /etc/os-release | head -n 1 | tr -d '"'"'"
}

# detect_os: sets OS_FAMILY (debian|rhel) and PKG (apt-get|dnf|yum) from /etc/os-release.
detect_os() {
  [ -r /etc/os-release ] || fail "cannot read /etc/os-release"
  local id like version major
  id=$(os_field ID)
  like=$(os_field ID_LIKE)
  version=$(os_field VERSION_ID)
  major=${version%%.*}
  case " $id $like " in
    *" rhel "* | *" centos "* | *" fedora "* | *" rocky "* | *" almalinux "*)
      OS_FAMILY=rhel
      if [ "${major:-0}" -ge 8 ] 2>/dev/null && command -v dnf >/dev/null; then PKG=dnf; else PKG=yum; fi
      ;;
    *" debian "* | *" ubuntu "*)
      OS_FAMILY=debian
      PKG=apt-get
      ;;
    *) fail "unsupported distribution: ID=$id ID_LIKE=$like (supported: RHEL family, Debian/Ubuntu)" ;;
  esac
  ok "$id $version: $OS_FAMILY family, $PKG"
}

# by_family NAME: the value of NAME_RHEL or NAME_DEBIAN, whichever is this host's OS_FAMILY (after detect_os).
# The bot passes both families' values, so a mixed inventory gets each host its own package names.
by_family() {
  local var="$1_${OS_FAMILY^^}"
  printf '%s' "${!var:-}"
}

# put_file PATH CONTENT: makes PATH hold CONTENT plus a newline. Counts the files it (would) change in
# FILES_CHANGED: reset it to 0 before a service's files, then pass it to ensure_service as RESTART.
put_file() {
  local path=$1 want=$2 old=/dev/null tmp
  if [ -f "$path" ] && printf '%s\n' "$want" | cmp -s - "$path"; then
    ok "$path"
    return 0
  fi
  FILES_CHANGED=$((${FILES_CHANGED:-0} + 1))
  [ -f "$path" ] && old=$path
  if dry_run; then
    printf '%s\n' "$want" | diff -u --label "$path (now)" --label "$path (new)" "$old" - || true
    changed "would write $path"
    return 0
  fi
  mkdir -p "$(dirname "$path")"
  tmp=$(mktemp "$path.ci-bot.XXXXXX")
  printf '%s\n' "$want" >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$path"
  changed "wrote $path"
}

pkg_installed() {
  # ${Status} is dpkg-query's format, not a shell expansion.
  # shellcheck disable=SC2016
  case $PKG in
    apt-get) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ;;
    *) rpm -q "$1" >/dev/null 2>&1 ;;
  esac
}

# ensure_packages NAME…: installs the ones missing.
ensure_packages() {
  local missing='' p
  for p in "$@"; do
    pkg_installed "$p" || missing="$missing $p"
  done
  missing=${missing# }
  if [ -z "$missing" ]; then
    ok "installed already: $*"
    return 0
  fi
  if dry_run; then
    changed "would install: $missing"
    return 0
  fi
  # Word splitting is wanted: the list was validated as package names separated by single spaces.
  # shellcheck disable=SC2086
  case $PKG in
    apt-get) DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing ;;
    *) "$PKG" install -y -q $missing ;;
  esac
  changed "installed: $missing"
}

# ensure_repo: the package repository from config for this host's family (REPO_URL_RHEL / REPO_URL_DEBIAN with
# REPO_SUITE; empty = the distribution's own packages).
ensure_repo() {
  local url
  url=$(by_family REPO_URL)
  if [ -z "$url" ]; then
    skip "no repository configured for the $OS_FAMILY family; using the distribution's packages"
    return 0
  fi
  if [ "$OS_FAMILY" = rhel ]; then
    put_file /etc/yum.repos.d/ci-bot.repo "[ci-bot]
name=ci-bot cluster packages
baseurl=$url
enabled=1
gpgcheck=${REPO_GPGCHECK:-1}"
  else
    FILES_CHANGED=0
    put_file /etc/apt/sources.list.d/ci-bot.list "deb $url ${REPO_SUITE:-stable} main"
    if [ "$FILES_CHANGED" != 0 ] && ! dry_run; then apt-get update -q; fi
  fi
}

# ensure_family_packages: installs this host's family's list (PACKAGES_RHEL / PACKAGES_DEBIAN).
ensure_family_packages() {
  local list
  list=$(by_family PACKAGES)
  [ -n "$list" ] || fail "no packages configured for the $OS_FAMILY family (packages.$OS_FAMILY in the config)"
  # Word splitting is wanted: the list was validated as package names separated by single spaces.
  # shellcheck disable=SC2086
  ensure_packages $list
}

# ensure_service NAME RESTART: enabled and running; restarted when RESTART is not 0 (its configuration changed).
ensure_service() {
  local svc=$1 restart=${2:-0} verb
  if ! systemctl is-enabled --quiet "$svc"; then
    if dry_run; then changed "would enable $svc"; else
      systemctl enable --quiet "$svc"
      changed "enabled $svc"
    fi
  fi
  if ! systemctl is-active --quiet "$svc"; then
    verb=start
  elif [ "$restart" != 0 ]; then
    verb=restart
  else
    ok "$svc running"
    return 0
  fi
  if dry_run; then
    changed "would $verb $svc"
    return 0
  fi
  systemctl "$verb" "$svc"
  changed "${verb}ed $svc"
}

# zk_hosts PORT: ZK_ENSEMBLE (comma-separated hosts) as host:PORT,host:PORT.
zk_hosts() {
  local out='' h
  local IFS=,
  for h in $ZK_ENSEMBLE; do out="$out${out:+,}$h:2181"; done
  printf '%s' "$out"
}
