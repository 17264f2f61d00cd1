import {
  canonicalRequest,
  parseAuthorization,
  signRequest,
  signature,
  stringToSign,
  verifySignature,
} from '../../src/modelarts/signing.js';
import { createHash } from 'node:crypto';

describe('SDK-HMAC-SHA256 published vectors', () => {
  it('vector 1: HWC signing guide', () => {
    const request = {
      method: 'GET',
      path: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs',
      query: [
        ['limit', '2'],
        ['marker', '13551d6b-755d-4757-b956-536f674975c0'],
      ] as [string, string][],
      headers: {
        'Content-Type': 'application/json',
        Host: 'service.region.example.com',
        'X-Sdk-Date': '20191115T033655Z',
      },
    };
    const canonical = canonicalRequest(request, ['content-type', 'host', 'x-sdk-date']);
    expect(createHash('sha256').update(canonical).digest('hex')).toBe(
      'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
    );
    expect(signature('MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc', stringToSign(canonical, '20191115T033655Z'))).toBe(
      '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
  });

  it('vector 2: Go signer_test testParam1 (GET, empty body)', () => {
    const canonical = canonicalRequest(
      { method: 'GET', path: '/path', query: [['limit', '1']], headers: { 'X-Sdk-Date': '20060102T150405Z' } },
      ['x-sdk-date'],
    );
    expect(canonical).toBe(
      'GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(signature('SecretKey', stringToSign(canonical, '20060102T150405Z'))).toBe(
      '5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    );
  });

  it('vector 3: Go signer_test testParam2 (POST with body)', () => {
    const canonical = canonicalRequest(
      {
        method: 'POST',
        path: '/path',
        query: [['key', 'value']],
        headers: { 'X-Sdk-Date': '20060102T150405Z' },
        body: '{"Name":"test","Id":1}\n',
      },
      ['x-sdk-date'],
    );
    expect(signature('SecretKey', stringToSign(canonical, '20060102T150405Z'))).toBe(
      'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
    );
  });
});

describe('signRequest and verifySignature', () => {
  const creds = { accessKey: 'AK-TEST', secretKey: 'SK-TEST' };
  const base = {
    method: 'POST',
    path: '/v2/p1/datasets/d1/export-tasks',
    headers: { Host: '127.0.0.1:9000', 'Content-Type': 'application/json' },
    body: '{"path":"/b/x/"}',
  };

  it('round-trips and rejects a tampered body, path or key', () => {
    const headers = signRequest(base, creds, new Date('2026-01-02T03:04:05Z'));
    expect(headers['X-Sdk-Date']).toBe('20260102T030405Z');
    const parsed = parseAuthorization(headers.Authorization)!;
    expect(parsed.accessKey).toBe('AK-TEST');
    expect(parsed.signedHeaders).toEqual(['content-type', 'host', 'x-sdk-date']);
    expect(verifySignature({ ...base, headers }, parsed, 'SK-TEST')).toBe(true);
    expect(verifySignature({ ...base, headers, body: '{"path":"/b/y/"}' }, parsed, 'SK-TEST')).toBe(false);
    expect(verifySignature({ ...base, headers, path: '/v2/p1/datasets/d2/export-tasks' }, parsed, 'SK-TEST')).toBe(
      false,
    );
    expect(verifySignature({ ...base, headers }, parsed, 'other')).toBe(false);
  });

  it('rejects malformed Authorization headers', () => {
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(parseAuthorization('Bearer x')).toBeUndefined();
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=a')).toBeUndefined();
  });
});
