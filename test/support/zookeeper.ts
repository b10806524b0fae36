/** The real ZooKeeper starter lives in src/playground/ (the demo starts one too). */
export { startZooKeeper, zookeeperAvailable, type StartZooKeeperOptions, type ZooKeeperServer } from '../../src/playground/zookeeper.ts';
