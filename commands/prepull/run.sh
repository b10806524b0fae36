#!/bin/bash
# Puts IMAGE on this agent. An image already present is left alone (no change).
# Parameters (environment): IMAGE DRY_RUN.
set -eu

step 'check docker'
command -v docker >/dev/null || fail "docker is not installed; run /ci setup-agent first"
systemctl is-active --quiet docker || fail "docker is not running; run /ci setup-agent first"
ok "docker running"

step 'pull image'
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  ok "$IMAGE present already"
elif dry_run; then
  changed "would pull $IMAGE"
else
  docker pull "$IMAGE"
  changed "pulled $IMAGE"
fi
