import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabFault } from '../../src/lab/api/fault.js';
import { pageOf } from '../../src/lab/api/paging.js';
import { type LabInstance, promotionCandidate } from '../../src/lab/aurora/cluster.js';

const items = Array.from({ length: 45 }, (_, n) => n);
const params = (o: Record<string, string>) => new URLSearchParams(o);

describe('the lab RDS API: MaxRecords/Marker paging', () => {
  it('pages by MaxRecords; the marker asks for the rest, and none follows the last page', () => {
    const one = pageOf(items, params({ MaxRecords: '20' }), 'DescribeEvents');
    assert.deepEqual(one.items, items.slice(0, 20));
    assert.ok(one.marker);
    const two = pageOf(items, params({ MaxRecords: '20', Marker: one.marker }), 'DescribeEvents');
    assert.deepEqual(two.items, items.slice(20, 40));
    const three = pageOf(items, params({ MaxRecords: '20', Marker: two.marker as string }), 'DescribeEvents');
    assert.deepEqual(three.items, items.slice(40));
    assert.equal(three.marker, undefined);
  });

  it('gives 100 without MaxRecords, and no marker when everything fits', () => {
    const all = pageOf(items, params({}), 'DescribeEvents');
    assert.equal(all.items.length, 45);
    assert.equal(all.marker, undefined);
  });

  it('refuses MaxRecords outside 20-100 and a marker it did not make for that call, as InvalidParameterValue', () => {
    for (const MaxRecords of ['19', '101', '20.5', 'many']) {
      assert.throws(
        () => pageOf(items, params({ MaxRecords }), 'DescribeEvents'),
        (err: LabFault) => {
          assert.equal(err.code, 'InvalidParameterValue');
          assert.equal(err.status, 400);
          assert.equal(err.message, `Invalid value ${MaxRecords} for MaxRecords. Must be between 20 and 100`);
          return true;
        },
      );
    }
    const marker = pageOf(items, params({ MaxRecords: '20' }), 'DescribeEvents').marker as string;
    assert.throws(() => pageOf(items, params({ Marker: marker }), 'DescribeDBInstances'), {
      code: 'InvalidParameterValue',
    });
    assert.throws(() => pageOf(items, params({ Marker: 'garbage' }), 'DescribeEvents'), LabFault);
  });
});

describe('the lab cluster: the reader a failover without a target promotes', () => {
  const reader = (n: number, promotionTier: number) =>
    ({ n, id: `node-0${n}`, promotionTier }) as LabInstance;

  it('takes the lowest promotion tier, then the first by number (one instance size for all)', () => {
    assert.equal(promotionCandidate([reader(2, 1), reader(3, 0), reader(4, 0)])?.id, 'node-03');
    assert.equal(promotionCandidate([reader(3, 1), reader(2, 1)])?.id, 'node-02');
    assert.equal(promotionCandidate([reader(2, 15), reader(3, 2)])?.id, 'node-03');
    assert.equal(promotionCandidate([]), undefined);
  });
});
