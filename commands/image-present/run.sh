#!/bin/bash
# Says whether IMAGE is on this agent. Changes nothing (the same with or without DRY_RUN).
# Parameters (environment): IMAGE DRY_RUN.
set -eu

step 'check image'
command -v docker >/dev/null || fail "docker is not installed; run /ci setup-agent first"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  ok "present: $IMAGE"
else
  fail "missing: $IMAGE"
fi
