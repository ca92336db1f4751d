import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiIsLocal, isLoopbackHost } from '../../src/aws/endpoint.js';

const lab = 'http://127.0.0.1:4566';
const aws = 'https://rds.us-east-1.amazonaws.com';

describe("apiIsLocal: is the service's API a lab's, chosen as the SDK chooses the endpoint", () => {
  it('no endpoint anywhere: AWS itself', () => {
    assert.equal(apiIsLocal('RDS', undefined, {}), false);
  });

  it('an explicit endpoint wins over both environment variables', () => {
    const env = { AWS_ENDPOINT_URL_RDS: aws, AWS_ENDPOINT_URL: aws };
    assert.equal(apiIsLocal('RDS', lab, env), true);
    assert.equal(apiIsLocal('RDS', aws, { AWS_ENDPOINT_URL_RDS: lab, AWS_ENDPOINT_URL: lab }), false);
  });

  it("the service's own variable wins over AWS_ENDPOINT_URL", () => {
    assert.equal(apiIsLocal('SNS', undefined, { AWS_ENDPOINT_URL_SNS: lab, AWS_ENDPOINT_URL: aws }), true);
    assert.equal(apiIsLocal('SNS', undefined, { AWS_ENDPOINT_URL_SNS: aws, AWS_ENDPOINT_URL: lab }), false);
    assert.equal(
      apiIsLocal('MEMORYDB', undefined, { AWS_ENDPOINT_URL_MEMORYDB: 'http://localhost:4566' }),
      true,
    );
  });

  it("another service's variable does not count; AWS_ENDPOINT_URL counts for every service", () => {
    assert.equal(apiIsLocal('RDS', undefined, { AWS_ENDPOINT_URL_SNS: lab }), false);
    assert.equal(apiIsLocal('MEMORYDB', undefined, { AWS_ENDPOINT_URL: 'http://[::1]:4566' }), true);
  });

  it('an empty variable is unset, as for the SDK', () => {
    assert.equal(apiIsLocal('RDS', undefined, { AWS_ENDPOINT_URL_RDS: '', AWS_ENDPOINT_URL: lab }), true);
  });

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true sets the variables aside, not an explicit endpoint', () => {
    const env = { AWS_ENDPOINT_URL_RDS: lab, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };
    assert.equal(apiIsLocal('RDS', undefined, env), false);
    assert.equal(apiIsLocal('RDS', lab, env), true);
  });

  it('a URL that does not parse is not local, and does not throw', () => {
    assert.equal(apiIsLocal('RDS', 'not a url', {}), false);
    assert.equal(apiIsLocal('SNS', undefined, { AWS_ENDPOINT_URL_SNS: '127.0.0.1:4566' }), false);
    assert.equal(apiIsLocal('SNS', undefined, { AWS_ENDPOINT_URL: '://' }), false);
  });

  it('reads process.env when given no environment', () => {
    const saved = process.env.AWS_ENDPOINT_URL_MEMORYDB;
    process.env.AWS_ENDPOINT_URL_MEMORYDB = lab;
    try {
      assert.equal(apiIsLocal('MEMORYDB'), true);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_MEMORYDB;
      else process.env.AWS_ENDPOINT_URL_MEMORYDB = saved;
    }
  });
});

describe('isLoopbackHost', () => {
  it('127/8, localhost and ::1 as URL.hostname spells them; nothing else', () => {
    for (const host of ['127.0.0.1', '127.0.0.42', 'localhost', '[::1]', '::1'])
      assert.ok(isLoopbackHost(host), host);
    for (const host of ['10.0.0.1', 'rds.us-east-1.amazonaws.com', '127.0.0.1.nip.io', '[::2]', ''])
      assert.ok(!isLoopbackHost(host), host);
  });
});
