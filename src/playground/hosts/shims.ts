/**
 * Bash shims placed over /usr/bin on test hosts only (inside each host's mount namespace). Each appends one line
 * per call to /var/lib/cibot-shim/calls.log and keeps package/unit/image state under /var/lib/cibot-shim, so
 * recipes can be idempotent against them. Installing a package named `missing-*` fails (exit 100), for tests of a
 * recipe failing half-way. `systemctl start mesos-slave` registers an agent with the simulator
 * from the files the recipe wrote; master services post their config files.
 *
 * Holds (fault tests): a shim stops at a named point while the file `<holdDir>/<point>` exists, so a test can kill
 * a worker, a session or Redis at a known moment of a recipe step. The hold is one-shot: the shim renames it to
 * `<point>.held` (so the test sees where it stopped) and waits until the test deletes that file. `holdDir` is on the
 * test machine's /tmp, outside the host's overlay, so the test writes it directly. Points: `after-install` (the
 * installers, once the packages are in), `before-pull` (docker pull, before the image is there).
 *
 * Failures (fault tests): while `<holdDir>/fail-pull` exists, `docker pull` fails with its content as the daemon's
 * error (exit 1), as a registry that refuses or cannot be reached makes it.
 */

const STATE = '/var/lib/cibot-shim';

const prelude = (name: string) => `#!/bin/bash
# ci-bot test shim for ${name}: records the call, never touches the real machine.
S=${STATE}
mkdir -p "$S/pkgs" "$S/enabled" "$S/active" "$S/images" /var/log/mesos
printf '%s\\n' "${name} $*" >> "$S/calls.log"
hold() {
  if mv "@HOLD_DIR@/$1" "@HOLD_DIR@/$1.held" 2>/dev/null; then
    while [ -e "@HOLD_DIR@/$1.held" ]; do sleep 0.05; done
  fi
}
`;

const jsonHelpers = `
json_str() {
  local s=$1
  s=\${s//\\\\/\\\\\\\\}
  s=\${s//\\"/\\\\\\"}
  s=\${s//$'\\n'/\\\\n}
  s=\${s//$'\\t'/\\\\t}
  s=\${s//$'\\r'/\\\\r}
  printf '"%s"' "$s"
}
content() { cat "$1" 2>/dev/null || true; }
post() {
  curl -sS -f -m 5 -X POST -H 'content-type: application/json' --data-binary "$2" "$CONTROL_URL$1"
}
`;

function systemctl(controlUrl: string): string {
  return `${prelude('systemctl')}CONTROL_URL='${controlUrl}'
${jsonHelpers}
files_json() {
  local out='' f
  for f in "$@"; do
    [ -f "$f" ] || continue
    out="$out\${out:+,}$(json_str "$f"):$(json_str "$(content "$f")")"
  done
  printf '{"files":{%s}}' "$out"
}
images_json() {
  local out='' i
  while IFS= read -r i; do [ -n "$i" ] && out="$out\${out:+,}$(json_str "$i")"; done < <(cat "$S/images.list" 2>/dev/null)
  printf '[%s]' "$out"
}
notify() {
  local unit=$1 log=/var/log/mesos/$1.log
  case $unit in
    mesos-slave)
      echo "Registering with master at $(content /etc/mesos/zk)" >> "$log"
      body="{\\"zk\\":$(json_str "$(content /etc/mesos/zk)"),\\"hostname\\":$(json_str "$(content /etc/mesos-slave/hostname)"),\\"ip\\":$(json_str "$(content /etc/mesos-slave/ip)"),\\"images\\":$(images_json)}"
      post /_control/agents/register "$body" >> "$log" 2>&1 || echo "E registration refused by master" >> "$log" ;;
    zookeeper)
      post /_control/services/zookeeper/start "$(files_json /etc/zookeeper/conf/zoo.cfg /etc/zookeeper/conf/myid /var/lib/zookeeper/myid)" >> "$log" 2>&1 || true ;;
    mesos-master)
      post /_control/services/mesos-master/start "$(files_json /etc/mesos/zk /etc/mesos-master/cluster /etc/mesos-master/hostname /etc/mesos-master/ip)" >> "$log" 2>&1 || true ;;
    marathon)
      post /_control/services/marathon/start "$(files_json /etc/marathon/conf/hostname /etc/marathon/conf/master /etc/marathon/conf/zk)" >> "$log" 2>&1 || true ;;
  esac
}
args=()
for a in "$@"; do case $a in --quiet|-q|--no-pager|--now|--no-block) ;; *) args+=("$a") ;; esac; done
verb=\${args[0]:-}
for unit in "\${args[@]:1}"; do
  unit=\${unit%.service}
  case $verb in
    is-enabled) [ -e "$S/enabled/$unit" ] || exit 1 ;;
    is-active) [ -e "$S/active/$unit" ] || exit 3 ;;
    enable) touch "$S/enabled/$unit" ;;
    disable) rm -f "$S/enabled/$unit" ;;
    start|restart) touch "$S/active/$unit"; notify "$unit" ;;
    stop) rm -f "$S/active/$unit" ;;
  esac
done
exit 0
`;
}

const installer = (name: string) => `${prelude(name)}
mode=''
for a in "$@"; do
  case $a in
    -*) ;;
    install) mode=install ;;
    update|makecache|upgrade) ;;
    missing-*) [ "$mode" = install ] && { echo "E: Unable to locate package $a" >&2; exit 100; } ;;
    *) [ "$mode" = install ] && touch "$S/pkgs/$a" ;;
  esac
done
[ "$mode" = install ] && hold after-install
exit 0
`;

const dpkgQuery = `${prelude('dpkg-query')}
pkg=\${!#}
if [ -e "$S/pkgs/$pkg" ]; then printf 'install ok installed'; exit 0; fi
echo "dpkg-query: no packages found matching $pkg" >&2
exit 1
`;

const rpm = `${prelude('rpm')}
pkg=\${!#}
if [ -e "$S/pkgs/$pkg" ]; then echo "$pkg-1.0-1.x86_64"; exit 0; fi
echo "package $pkg is not installed"
exit 1
`;

/** `docker`: pulls mark the image present (and tell the simulator which agent has it: per-agent image presence). */
const docker = (controlUrl: string) => `${prelude('docker')}CONTROL_URL='${controlUrl}'
${jsonHelpers}
img=\${!#}
key=\${img//[\\/:@]/_}
case "$1 \${2:-}" in
  "pull "*) if [ -e "@HOLD_DIR@/fail-pull" ]; then echo "Error response from daemon: $(cat "@HOLD_DIR@/fail-pull")" >&2; exit 1; fi
    echo "Pulling $img"; hold before-pull; touch "$S/images/$key"
    grep -qxF -- "$img" "$S/images.list" 2>/dev/null || printf '%s\\n' "$img" >> "$S/images.list"
    [ -s /etc/mesos-slave/hostname ] && post /_control/agents/images "{\\"hostname\\":$(json_str "$(content /etc/mesos-slave/hostname)"),\\"image\\":$(json_str "$img")}" >/dev/null 2>&1
    echo "Status: Downloaded newer image for $img" ;;
  "image inspect") [ -e "$S/images/$key" ] || { echo "Error: No such image: $img" >&2; exit 1; } ;;
esac
exit 0
`;

const journalctl = `${prelude('journalctl')}
unit=''
n=50
while [ $# -gt 0 ]; do
  case $1 in -u) unit=\${2%.service}; shift ;; -n) n=$2; shift ;; esac
  shift
done
tail -n "$n" "/var/log/mesos/$unit.log" 2>/dev/null || echo "-- No entries --"
`;

/** Shim file name → script, for one host whose shims talk to `controlUrl` and look for holds in `holdDir`. */
export function shimScripts(controlUrl: string, holdDir = '/nonexistent'): Record<string, string> {
  const scripts: Record<string, string> = {
    systemctl: systemctl(controlUrl),
    'apt-get': installer('apt-get'),
    yum: installer('yum'),
    dnf: installer('dnf'),
    'dpkg-query': dpkgQuery,
    rpm,
    docker: docker(controlUrl),
    journalctl,
  };
  return Object.fromEntries(Object.entries(scripts).map(([k, v]) => [k, v.replaceAll('@HOLD_DIR@', holdDir)]));
}

/** /etc/os-release contents for the two families the recipes support (RHEL: yum on 7, dnf from 8; Debian/Ubuntu: apt). */
export const OS_RELEASE = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
  centos: 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n',
  rocky: 'NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n',
  ubuntu: 'PRETTY_NAME="Ubuntu 24.04 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
} as const;

/** Where the shims keep their record, relative to a host's root. */
export const CALLS_LOG = `${STATE.slice(1)}/calls.log`;
