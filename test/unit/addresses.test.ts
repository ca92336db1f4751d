import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AddressBlock, addresses, octets } from '../support/addresses.js';

describe('test loopback addresses', () => {
  it('no two blocks share an address, and none is 127.0.0.1 or out of range', () => {
    const owner = new Map<string, string>();
    for (const [file, blocks] of Object.entries(addresses)) {
      for (const [name, block] of Object.entries(blocks as Record<string, AddressBlock>)) {
        for (const n of octets(block)) {
          const who = `${file}.${name}`;
          const address = `127.0.${block.net ?? 0}.${n}`;
          assert.ok(n >= 2 && n <= 254, `${who} takes ${address}`);
          assert.equal(owner.get(address), undefined, `${address}: ${owner.get(address)} and ${who}`);
          owner.set(address, who);
        }
      }
    }
  });

  it("a lab's proxy sits just below its first instance", () => {
    assert.deepEqual(octets(addresses.lab.lab), [60, 61, 62]);
    assert.deepEqual(octets(addresses.simpleMonitor.database), [42]);
    assert.deepEqual(octets(addresses.labMemorydb.memorydb), [61, 62, 63, 64, 65, 66]);
  });
});
