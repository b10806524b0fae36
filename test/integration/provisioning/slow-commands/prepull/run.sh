#!/bin/bash
# A slow pull: long enough for a test to kill the SSH session while this step runs.
set -eu
step 'check docker'
ok 'docker running'
step 'pull image'
echo "pulling $IMAGE"
sleep 2
changed "pulled $IMAGE"
