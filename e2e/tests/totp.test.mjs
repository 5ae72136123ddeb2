import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totp } from '../lib/totp.mjs';

test('TOTP matches RFC 6238 appendix B (SHA-1, last six digits)', () => {
  // Secret "12345678901234567890" in base32.
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  assert.equal(totp(secret, 59), '287082');
  assert.equal(totp(secret, 1111111109), '081804');
  assert.equal(totp(secret, 2000000000), '279037');
});
