#!/bin/bash
# ZooKeeper, Mesos master and Marathon (SPEC section 1): zoo.cfg and myid; /etc/mesos/zk;
# /etc/mesos-master/{cluster,hostname,ip}; /etc/marathon/conf/{hostname,master,zk}; services started in that order.
# Parameters (environment): HOST_NAME HOST_IP ZK_ENSEMBLE ZK_MYID CLUSTER_NAME PACKAGES_RHEL PACKAGES_DEBIAN REPO_URL_RHEL REPO_URL_DEBIAN
# REPO_SUITE DRY_RUN (the family's packages and repository are chosen on the host, from /etc/os-release).
set -eu

zk_data_dir=/var/lib/zookeeper

step 'detect os'
detect_os

step 'package repository'
ensure_repo

step 'install packages'
ensure_family_packages

step 'configure zookeeper'
servers=''
n=0
IFS=, read -r -a zk_list <<<"$ZK_ENSEMBLE"
for h in "${zk_list[@]}"; do
  n=$((n + 1))
  servers="$servers
server.$n=$h:2888:3888"
done
# ZooKeeper >= 3.5 answers only `srvr` unless told otherwise: allow the words ci-bot sends (ruok and mntr after
# setup-master, srvr in /ci status). Its AdminServer would take port 8080, Marathon's on this host: off.
# ZooKeeper 3.4 (the seed's CentOS 7) ignores both lines.
FILES_CHANGED=0
put_file /etc/zookeeper/conf/zoo.cfg "tickTime=2000
initLimit=10
syncLimit=5
dataDir=$zk_data_dir
clientPort=2181
4lw.commands.whitelist=ruok,mntr,srvr
admin.enableServer=false$servers"
# The procedure writes conf/myid; ZooKeeper itself reads dataDir/myid: both hold the id.
put_file /etc/zookeeper/conf/myid "$ZK_MYID"
put_file "$zk_data_dir/myid" "$ZK_MYID"

restart_zk=$FILES_CHANGED

step 'configure mesos master'
zk="zk://$(zk_hosts)"
FILES_CHANGED=0
put_file /etc/mesos/zk "$zk/mesos"
put_file /etc/mesos-master/cluster "$CLUSTER_NAME"
put_file /etc/mesos-master/hostname "$HOST_NAME"
put_file /etc/mesos-master/ip "$HOST_IP"

restart_master=$FILES_CHANGED

step 'configure marathon'
FILES_CHANGED=0
put_file /etc/marathon/conf/hostname "$HOST_NAME"
put_file /etc/marathon/conf/master "$zk/mesos"
put_file /etc/marathon/conf/zk "$zk/marathon"

restart_marathon=$FILES_CHANGED

step 'start services'
ensure_service zookeeper "$restart_zk"
ensure_service mesos-master "$restart_master"
ensure_service marathon "$restart_marathon"
