import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AddressBlock, addresses, octets } from '../support/addresses.js';

describe('test loopback addresses', () => {
  it('no two blocks share an address, and none is 127.0.0.1 or out of range', () => {
    const owner = new Map<number, string>();
    for (const [file, blocks] of Object.entries(addresses)) {
      for (const [name, block] of Object.entries(blocks as Record<string, AddressBlock>)) {
        for (const n of octets(block)) {
          const who = `${file}.${name}`;
          assert.ok(n >= 2 && n <= 254, `${who} takes 127.0.0.${n}`);
          assert.equal(owner.get(n), undefined, `127.0.0.${n}: ${owner.get(n)} and ${who}`);
          owner.set(n, who);
        }
      }
    }
  });

  it("a lab's proxy sits just below its first instance", () => {
    assert.deepEqual(octets(addresses.lab.lab), [60, 61, 62]);
    assert.deepEqual(octets(addresses.simpleMonitor.database), [42]);
  });
});
