import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrillError, ExitCode } from '../../src/core/errors.js';
import {
  disagreement,
  givenLabValues,
  type LabValue,
  refuseValuesUnlikeLab,
  sameAsLab,
} from '../../src/lab/given-values.js';

const dir = '/tmp/lab';
const endpoint = 'auroralab.cluster-c0ffee.us-east-1.rds.amazonaws.com';

describe('values given beside --lab-state-dir', () => {
  it('endpoints compare by host (any case, a final dot) and port (the default when left out)', () => {
    const v = (given: string, lab = endpoint, defaultPort?: number): boolean =>
      sameAsLab({
        option: '--endpoint',
        given,
        lab,
        kind: 'endpoint',
        ...(defaultPort ? { defaultPort } : {}),
      });
    assert.equal(v(endpoint), true);
    assert.equal(v(`${endpoint.toUpperCase()}.:3306`), true);
    assert.equal(v(`${endpoint}:3307`), false);
    assert.equal(v('other.cluster-c0ffee.us-east-1.rds.amazonaws.com'), false);
    assert.equal(v('127.0.0.1:10053', '127.0.0.1:10053', 53), true);
    assert.equal(v('127.0.0.1', '127.0.0.1:10053', 53), false, 'port 53 is not the lab DNS server port');
    assert.equal(
      v('clustercfg.lab.memorydb.amazonaws.com', 'clustercfg.lab.memorydb.amazonaws.com:6379', 6379),
      true,
    );
  });

  it('cluster ids compare without case; users and passwords exactly', () => {
    assert.equal(sameAsLab({ option: '--cluster', given: 'AuroraLab', lab: 'auroralab', kind: 'id' }), true);
    assert.equal(sameAsLab({ option: '--user', given: 'Drill', lab: 'drill' }), false);
    assert.equal(sameAsLab({ option: '--password', given: 'pw ', lab: 'pw', kind: 'secret' }), false);
  });

  it('names the option, the value given and the lab value, in one line; values not given are not compared', () => {
    const values: LabValue[] = [
      { option: '--endpoint', given: undefined, lab: endpoint, kind: 'endpoint' },
      { option: '--user', given: 'drill', lab: 'drill' },
      { option: '--cluster', given: 'prod-1\nx', lab: 'auroralab', kind: 'id' },
    ];
    assert.equal(
      disagreement(values, dir),
      "--cluster 'prod-1\\nx' does not match the lab's 'auroralab' (--lab-state-dir /tmp/lab): leave it out or give the lab's",
    );
    assert.equal(disagreement(values.slice(0, 2), dir), undefined);
  });

  it('never shows a password, neither the one given nor the lab one', () => {
    const values: LabValue[] = [
      { option: '--password', given: 'Wr0ng-xyz', lab: 'R1ght-abc', kind: 'secret' },
    ];
    const message = disagreement(values, dir) ?? '';
    assert.equal(
      message,
      "the password given (--password) does not match the lab's (--lab-state-dir /tmp/lab): leave it out and the lab's is used",
    );
    assert.doesNotMatch(message, /Wr0ng|R1ght/);
    assert.throws(
      () => refuseValuesUnlikeLab(values, dir),
      (e: unknown) => e instanceof DrillError && e.exitCode === ExitCode.usage && e.message === message,
    );
  });

  it('takes only what the command line gave: values from the environment give way to the lab', () => {
    const options = {
      endpoint: 'a.example.com',
      user: 'u',
      password: 'p',
      dnsServer: '10.0.0.2',
      mode: 'simple',
    };
    assert.deepEqual(givenLabValues(options, new Set(['user', 'mode'])), { user: 'u' });
    assert.deepEqual(givenLabValues(options, new Set()), {});
    // No sources known (a plan made without the command line): every value counts as given.
    assert.deepEqual(givenLabValues(options), {
      endpoint: 'a.example.com',
      user: 'u',
      password: 'p',
      dnsServer: '10.0.0.2',
    });
  });
});
