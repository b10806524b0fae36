#!/bin/bash
# Docker and the Mesos agent (SPEC section 1): /etc/mesos/zk, /etc/mesos-slave/{containerizers,
# executor_registration_timeout,hostname,ip}; docker then mesos-slave enabled and started.
# Parameters (environment): HOST_NAME HOST_IP ZK_ENSEMBLE PACKAGES_RHEL PACKAGES_DEBIAN REPO_URL_RHEL REPO_URL_DEBIAN
# REPO_SUITE DRY_RUN (the family's packages and repository are chosen on the host, from /etc/os-release)..
set -eu

step 'detect os'
detect_os

step 'package repository'
ensure_repo

step 'install packages'
ensure_family_packages

step 'configure mesos agent'
FILES_CHANGED=0
put_file /etc/mesos/zk "zk://$(zk_hosts)/mesos"
put_file /etc/mesos-slave/containerizers 'docker,mesos'
put_file /etc/mesos-slave/executor_registration_timeout '5mins'
put_file /etc/mesos-slave/hostname "$HOST_NAME"
put_file /etc/mesos-slave/ip "$HOST_IP"

step 'start services'
# Docker first: the agent's docker containerizer needs the daemon when it starts.
ensure_service docker 0
ensure_service mesos-slave "$FILES_CHANGED"
