#!/usr/bin/env node
// Interop: Standard Webhooks callbacks as the gateway signs them must verify with the npm
// `standardwebhooks` package (an independent implementation), and callbacks it signs must
// verify with ours.
//
//   node node_webhooks.js verify CALLBACK.json [--expect-fail]
//   node node_webhooks.js sign CALLBACK.json        prints the webhook-signature header
//   node node_webhooks.js verify-v1a CALLBACK.json  checks the v1a (Ed25519) entries with
//                                                   node's own crypto and "public_key": "whpk_..."
//
// CALLBACK.json: { "secret": "whsec_...", "id": "msg_...", "timestamp": 1733472000,
//                  "body": "...", "signature": "v1,..." (verify only) }
//
// verify exits 0 when the callback verifies; with --expect-fail, exit 0 only when the
// package refuses it.
'use strict';

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { Webhook, WebhookVerificationError } = require('standardwebhooks');

const { values: opts, positionals } = parseArgs({
  options: { 'expect-fail': { type: 'boolean', default: false } },
  allowPositionals: true,
});
if (positionals.length !== 2 || !['verify', 'sign', 'verify-v1a'].includes(positionals[0])) {
  console.error('usage: node node_webhooks.js verify|sign|verify-v1a CALLBACK.json [--expect-fail]');
  process.exit(2);
}
const callback = JSON.parse(fs.readFileSync(positionals[1], 'utf8'));

// v1a: an Ed25519 signature (node's crypto, not our libsodium) of "<id>.<timestamp>.<body>"
// under the operator's published key, "whpk_" + base64 of its 32 bytes.
if (positionals[0] === 'verify-v1a') {
  const crypto = require('node:crypto');
  const raw = Buffer.from(callback.public_key.replace(/^whpk_/, ''), 'base64');
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const content = Buffer.from(`${callback.id}.${callback.timestamp}.${callback.body}`, 'utf8');
  const ok = callback.signature.split(' ').filter((e) => e.startsWith('v1a,'))
    .some((e) => crypto.verify(null, content, key, Buffer.from(e.slice(4), 'base64')));
  console.log(ok ? 'verified' : 'refused: no v1a signature verifies');
  process.exit(ok !== opts['expect-fail'] ? 0 : 1);
}

const wh = new Webhook(callback.secret);

if (positionals[0] === 'sign') {
  process.stdout.write(wh.sign(callback.id, new Date(callback.timestamp * 1000), callback.body));
  process.exit(0);
}
try {
  wh.verify(callback.body, {
    'webhook-id': callback.id,
    'webhook-timestamp': String(callback.timestamp),
    'webhook-signature': callback.signature,
  });
} catch (e) {
  if (!(e instanceof WebhookVerificationError)) throw e;
  console.log('refused: ' + e.message);
  process.exit(opts['expect-fail'] ? 0 : 1);
}
console.log('verified');
process.exit(opts['expect-fail'] ? 1 : 0);
