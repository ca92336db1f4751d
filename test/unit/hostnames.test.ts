import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyHost, instanceHost, instancePattern } from '../../src/aurora/hostnames.js';

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
