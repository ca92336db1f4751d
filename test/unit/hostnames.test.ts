import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyHost, clusterIdOf, instanceHost, instancePattern } from '../../src/aurora/hostnames.js';
import { endpointMembership } from '../../src/aurora/preflight.js';

describe('endpoint kinds from host names', () => {
  const cases: [string, string][] = [
    ['auroralab-mysql-cluster.cluster-abc123xyz789.us-east-1.rds.amazonaws.com', 'cluster'],
    ['auroralab-mysql-cluster.cluster-ro-abc123xyz789.us-east-1.rds.amazonaws.com', 'cluster-ro'],
    ['analytics.cluster-custom-abc123xyz789.eu-west-1.rds.amazonaws.com', 'cluster-custom'],
    ['auroralab-mysql-node-01.abc123xyz789.us-east-1.rds.amazonaws.com', 'instance'],
    ['auroralab-mysql-proxy.proxy-abc123xyz789.us-east-1.rds.amazonaws.com', 'proxy'],
    ['db.cluster-abc123xyz789.cn-north-1.rds.amazonaws.com.cn', 'cluster'],
    ['db.cluster-abc123xyz789.us-gov-west-1.rds.amazonaws.com', 'cluster'],
    ['10.0.0.5', 'ip'],
    ['::1', 'ip'],
    ['db.example.com', 'other'],
  ];
  for (const [host, kind] of cases) {
    it(`${host} is ${kind}`, () => assert.equal(classifyHost(host).kind, kind));
  }

  it("reads the cluster identifier from a cluster or reader endpoint (the lab's too), from no other", () => {
    assert.equal(
      clusterIdOf('auroralab-mysql-cluster.cluster-drilllab0001.us-east-1.rds.amazonaws.com'),
      'auroralab-mysql-cluster',
    );
    assert.equal(clusterIdOf('Orders.CLUSTER-RO-abc123xyz789.eu-west-1.rds.amazonaws.com.'), 'orders');
    assert.equal(clusterIdOf('analytics.cluster-custom-abc123xyz789.eu-west-1.rds.amazonaws.com'), undefined);
    assert.equal(clusterIdOf('auroralab-mysql-node-01.abc123xyz789.us-east-1.rds.amazonaws.com'), undefined);
    assert.equal(
      clusterIdOf('auroralab-mysql-proxy.proxy-abc123xyz789.us-east-1.rds.amazonaws.com'),
      undefined,
    );
    assert.equal(clusterIdOf('db.example.com'), undefined);
  });

  it('derives the instance pattern from a cluster or reader endpoint, or takes --instance-pattern', () => {
    const p = instancePattern('auroralab-mysql-cluster.cluster-ro-abc123xyz789.us-east-1.rds.amazonaws.com');
    assert.equal(p, '?.abc123xyz789.us-east-1.rds.amazonaws.com');
    assert.equal(instanceHost(p as string, 'node-02'), 'node-02.abc123xyz789.us-east-1.rds.amazonaws.com');
    assert.equal(
      instancePattern('db.cluster-abc123xyz789.cn-north-1.rds.amazonaws.com.cn'),
      '?.abc123xyz789.cn-north-1.rds.amazonaws.com.cn',
    );
    assert.equal(instancePattern('10.0.0.5'), undefined);
    assert.equal(instancePattern('10.0.0.5', '?.db.internal'), '?.db.internal');
  });
});

describe('does the endpoint belong to the cluster a trigger would hit', () => {
  const cluster = {
    id: 'orders',
    status: 'available',
    endpoint: 'orders.cluster-abc123xyz789.us-east-1.rds.amazonaws.com',
    readerEndpoint: 'orders.cluster-ro-abc123xyz789.us-east-1.rds.amazonaws.com',
    writer: 'orders-1',
    readers: ['orders-2'],
  };
  it('its cluster, reader and instance endpoints belong', () => {
    assert.deepEqual(
      endpointMembership('ORDERS.cluster-abc123xyz789.us-east-1.rds.amazonaws.com', cluster),
      {},
    );
    assert.deepEqual(endpointMembership(cluster.readerEndpoint, cluster), {});
    assert.deepEqual(endpointMembership('orders-2.abc123xyz789.us-east-1.rds.amazonaws.com', cluster), {});
  });
  it("another cluster's endpoint is refused, naming the cluster's own", () => {
    assert.equal(
      endpointMembership('billing.cluster-abc123xyz789.us-east-1.rds.amazonaws.com', cluster).refuse,
      'billing.cluster-abc123xyz789.us-east-1.rds.amazonaws.com is not an endpoint of cluster orders (its endpoints: orders.cluster-abc123xyz789.us-east-1.rds.amazonaws.com, orders.cluster-ro-abc123xyz789.us-east-1.rds.amazonaws.com)',
    );
  });
  it("another cluster's instance is refused, naming the cluster's instances", () => {
    assert.equal(
      endpointMembership('billing-1.abc123xyz789.cn-north-1.rds.amazonaws.com.cn', cluster).refuse,
      'billing-1.abc123xyz789.cn-north-1.rds.amazonaws.com.cn is not an instance of cluster orders (its instances: orders-1, orders-2)',
    );
  });
  it('an IP or a custom DNS name cannot be told: a note, and the drill goes on', () => {
    assert.equal(
      endpointMembership('10.0.0.5', cluster).note,
      'cannot tell from 10.0.0.5 whether it belongs to cluster orders: going on',
    );
    assert.equal(endpointMembership('db.internal.example', cluster).refuse, undefined);
  });
});
