#!/usr/bin/env node
// Interop: requests signed by the npm `http-message-signatures` library (RFC 9421, ed25519)
// must be accepted by the gateway, and the gateway must refuse a tampered one and a replay.
//
//   node node_signs.js --port 8443 --ca ca.pem --key partner-key.pem --keyid acme-key-1 --partner acme
//
// Prints one line per check; exits 0 only when every check matched.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const { parseArgs } = require('node:util');
const { httpbis, createSigner } = require('http-message-signatures');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    ca: { type: 'string' },
    key: { type: 'string' },
    keyid: { type: 'string' },
    partner: { type: 'string' },
  },
});
for (const name of ['port', 'ca', 'key', 'keyid', 'partner']) {
  if (!args[name]) {
    console.error(`usage: node node_signs.js --port N --ca CA.pem --key KEY.pem --keyid ID --partner ID (missing --${name})`);
    process.exit(2);
  }
}

const ca = fs.readFileSync(args.ca);
const signer = createSigner(crypto.createPrivateKey(fs.readFileSync(args.key)), 'ed25519', args.keyid);
// The non-default port keeps it in @authority ("localhost:<port>"), as the gateway sees it in Host.
const origin = `https://localhost:${args.port}`;

// Signs { method, url, headers } with the parameters the gateway requires (created, nonce,
// keyid) plus alg and the library's default expires (created + 300 s).
function sign(request, fields) {
  return httpbis.signMessage({
    key: signer,
    name: 'sig1',
    fields,
    params: ['created', 'expires', 'nonce', 'keyid', 'alg'],
    paramValues: { nonce: crypto.randomBytes(16).toString('base64url') },
  }, request);
}

// Sends a request to 127.0.0.1 (the gateway listens there) with TLS SNI and Host "localhost".
function send(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const allHeaders = { Host: `localhost:${args.port}`, ...headers };
    if (body !== undefined) allHeaders['Content-Length'] = Buffer.byteLength(body);
    const req = https.request({
      host: '127.0.0.1', servername: 'localhost', port: Number(args.port), method, path,
      headers: allHeaders, ca, agent: false, timeout: 10000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode,
        contentType: res.headers['content-type'] || '',
        text: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

function parseJson(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}

let failures = 0;
function report(name, ok, response) {
  if (!ok) failures += 1;
  const extra = ok ? '' : ` -- got ${response.status} ${response.contentType} ${response.text}`;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${extra}`);
}

function expectOk(name, response) {
  const body = parseJson(response.text);
  report(name, response.status === 200 && body?.partner_id === args.partner, response);
}

function expectProblem(name, response, slug) {
  const body = parseJson(response.text);
  report(name, response.status === 401 && response.contentType.startsWith('application/problem+json') &&
    typeof body?.type === 'string' && body.type.endsWith(`/${slug}`), response);
}

async function main() {
  // 1. Plain GET covering @method @authority @path.
  const first = await sign({ method: 'GET', url: `${origin}/v1/capabilities`, headers: {} },
    ['@method', '@authority', '@path']);
  console.log(`     Signature-Input: ${first.headers['Signature-Input']}`);
  expectOk(`node-signed GET /v1/capabilities -> 200, partner_id=${args.partner}`,
    await send('GET', '/v1/capabilities', first.headers));

  // 2. GET with a query and a JSON body: Content-Digest computed here and covered with @query.
  const body = JSON.stringify({ hello: 'world' });
  const digest = `sha-256=:${crypto.createHash('sha256').update(body).digest('base64')}:`;
  const probe = await sign({
    method: 'GET', url: `${origin}/v1/capabilities?probe=1`,
    headers: { 'Content-Type': 'application/json', 'Content-Digest': digest },
  }, ['@method', '@authority', '@path', '@query', 'content-digest']);
  expectOk('node-signed GET /v1/capabilities?probe=1 with body + content-digest -> 200',
    await send('GET', '/v1/capabilities?probe=1', probe.headers, body));

  // 2b. The same kind of request with another body under the signed digest: the gateway
  // really reads and checks the body (the signature itself verifies).
  const mismatch = await sign({
    method: 'GET', url: `${origin}/v1/capabilities?probe=2`,
    headers: { 'Content-Type': 'application/json', 'Content-Digest': digest },
  }, ['@method', '@authority', '@path', '@query', 'content-digest']);
  expectProblem('same signed content-digest, other body -> 401 digest-mismatch',
    await send('GET', '/v1/capabilities?probe=2', mismatch.headers, JSON.stringify({ hello: 'there' })), 'digest-mismatch');

  // 3. Signed for ?x=1, sent as ?x=2: the signature must not verify.
  const tampered = await sign({ method: 'GET', url: `${origin}/v1/capabilities?x=1`, headers: {} },
    ['@method', '@authority', '@path', '@query']);
  expectProblem('signed ?x=1 but sent ?x=2 -> 401 signature-invalid',
    await send('GET', '/v1/capabilities?x=2', tampered.headers), 'signature-invalid');

  // 4. The first request again, byte for byte: its nonce is spent.
  expectProblem('replay of the first request -> 401 nonce-replayed',
    await send('GET', '/v1/capabilities', first.headers), 'nonce-replayed');

  console.log(failures === 0 ? 'node_signs: all checks passed' : `node_signs: ${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`node_signs: error: ${e.stack || e}`);
  process.exit(1);
});
