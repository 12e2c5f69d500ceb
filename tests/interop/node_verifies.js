#!/usr/bin/env node
// Interop: a request signed by the C++ SDK (octopus::client::sign_request) must verify with
// the npm `http-message-signatures` library (RFC 9421, ed25519).
//
//   node node_verifies.js request.json [--expect-fail]
//
// request.json: { "method": "GET", "url": "https://localhost:8443/v1/capabilities?limit=5",
//                 "headers": { "Signature-Input": "...", "Signature": "...", ... },
//                 "public_key_pem": "-----BEGIN PUBLIC KEY-----...", "body": "..." (optional) }
// Header values may be strings or arrays (one element per field line).
// When "body" is given and Content-Digest was sent, the digest is also checked against it.
//
// Exit 0 when the request verifies. With --expect-fail, exit 0 only when the signature (or
// the content digest) does not match; a policy error or a missing signature exits 1 either way.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { httpbis, createVerifier } = require('http-message-signatures');

const { values: opts, positionals } = parseArgs({
  options: { 'expect-fail': { type: 'boolean', default: false } },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  console.error('usage: node node_verifies.js REQUEST.json [--expect-fail]');
  process.exit(2);
}
const expectFail = opts['expect-fail'];
const request = JSON.parse(fs.readFileSync(positionals[0], 'utf8'));
const publicKey = crypto.createPublicKey(request.public_key_pem);

// RFC 9530: every sha-256 / sha-512 member must match the body.
function digestMatches(field, body) {
  const members = [...String(field).matchAll(/(sha-256|sha-512)=:([A-Za-z0-9+/=]*):/g)];
  return members.length > 0 && members.every(([, alg, b64]) =>
    crypto.createHash(alg.replace('-', '')).update(body, 'utf8').digest('base64') === b64);
}

function finish(matched, what) {
  const ok = expectFail ? !matched : matched;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${request.method} ${request.url}: ${what}${expectFail ? ' (expected to fail)' : ''}`);
  process.exit(ok ? 0 : 1);
}

async function main() {
  const message = { method: request.method, url: request.url, headers: request.headers };
  const verified = await httpbis.verifyMessage({
    keyLookup: async (params) => ({ id: params.keyid, algs: ['ed25519'], verify: createVerifier(publicKey, 'ed25519') }),
    requiredFields: ['@method', '@authority', '@path'],
    requiredParams: ['created', 'keyid', 'nonce'],
    tolerance: 30,
    maxAge: 300,
  }, message);
  if (verified === null) {
    console.log(`FAIL ${request.method} ${request.url}: no signature found`);
    process.exit(1);
  }
  if (!verified) return finish(false, 'signature does NOT verify');

  const digestHeader = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'content-digest');
  if (request.body !== undefined && digestHeader) {
    if (!digestMatches(digestHeader[1], request.body)) return finish(false, 'signature verifies but Content-Digest does NOT match the body');
    return finish(true, 'signature and Content-Digest verify');
  }
  return finish(true, 'signature verifies');
}

main().catch((e) => {
  // Policy errors (expired, missing required field/param, unsupported alg) are not the
  // signature mismatch that --expect-fail is for.
  console.log(`FAIL ${request.method} ${request.url}: verifier error: ${e.name}: ${e.message}`);
  process.exit(1);
});
