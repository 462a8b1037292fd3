#!/usr/bin/env node
// Interop: npm socket.io-client 2.x (Engine.IO 3) against scalper-sim.
//
//   (cd tests/sim/interop/node && npm ci) && node node_eio3_test.js /path/to/scalper-sim
//
// A client with the right join signature gets its order's df-order-update events
// (initial -> open -> filled), df-position-update, balance-update and the public price-change;
// it pings the server itself (EIO3), gets pongs and stays connected past the ping timeout. A
// client with a wrong signature is disconnected by the server and sees no private event.
'use strict';

const childProcess = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const NAME = 'node_eio3_test.js';
const GLOBAL_TIMEOUT_MS = 30000;
const WAIT_MS = 5000;
const PORT_FILE_WAIT_MS = 10000;
const PING_INTERVAL_MS = 250;
const PING_TIMEOUT_MS = 1500;
const API_KEY = 'sim-key';
const API_SECRET = 'sim-secret';
const PAIR = 'B-ETH_USDT';
const PRIVATE_EVENTS = ['df-order-update', 'df-position-update', 'balance-update'];

let io;
try {
  io = require('socket.io-client');
} catch (e) {
  console.error(`FAIL ${NAME}: cannot load socket.io-client (${e.code || e.message}).\n` +
                `  Its node_modules are not installed: run \`npm ci\` in ${__dirname}`);
  process.exit(1);
}
const clientVersion = require('socket.io-client/package.json').version;

let sim = null;
const simLog = [];
let tmpdir = null;
const sockets = [];

function cleanup() {
  for (const s of sockets) {
    try { s.close(); } catch (e) { /* already closed */ }
  }
  if (sim && sim.exitCode === null && sim.signalCode === null) {
    try { sim.kill('SIGTERM'); } catch (e) { /* gone */ }
  }
  if (tmpdir) {
    fs.rmSync(tmpdir, { recursive: true, force: true });
    tmpdir = null;
  }
}

function fail(message) {
  console.error(`FAIL ${NAME}: ${message}`);
  cleanup();
  process.exit(1);
}

function check(cond, what, detail) {
  if (!cond) fail(detail === undefined ? what : `${what}: ${JSON.stringify(detail)}`);
  console.log(`  ok: ${what}`);
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => fail(`stopped by ${sig}`));

const globalTimer = setTimeout(() => fail(`global timeout of ${GLOBAL_TIMEOUT_MS} ms`),
                               GLOBAL_TIMEOUT_MS);

function hmacHex(secret, text) {
  return crypto.createHmac('sha256', secret).update(text).digest('hex');
}

// Polls until predicate() holds; rejects after timeoutMs with `what`.
function waitFor(predicate, what, timeoutMs = WAIT_MS) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => {
      let ok = false;
      try { ok = predicate(); } catch (e) { return reject(e); }
      if (ok) return resolve();
      if (Date.now() >= deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

// SIGTERM, then waits (bounded) for the exit: it must be 0, and the simulator must not have
// died before (a crash or a sanitizer report fails the test, with the simulator's output).
function stopSimChecked() {
  return new Promise((resolve, reject) => {
    const output = () => `\n--- scalper-sim output ---\n${simLog.join('')}`;
    if (sim.exitCode !== null || sim.signalCode !== null) {
      return reject(new Error(`scalper-sim died during the test (exit ${sim.exitCode}, ` +
                              `signal ${sim.signalCode})${output()}`));
    }
    const t = setTimeout(() => {
      sim.kill('SIGKILL');
      reject(new Error(`scalper-sim did not stop within 5 s of SIGTERM${output()}`));
    }, 5000);
    sim.on('exit', (code, signal) => {
      clearTimeout(t);
      if (code === 0) return resolve();
      return reject(new Error(`scalper-sim exited with ${code} (signal ${signal}) on SIGTERM ` +
                              `(expected 0)${output()}`));
    });
    sim.kill('SIGTERM');
  });
}

function startSim(binary, extraArgs) {
  tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalper-sim-node-'));
  const portFile = path.join(tmpdir, 'port');
  const log = simLog;
  sim = childProcess.spawn(binary, ['--port', '0', '--port-file', portFile, ...extraArgs],
                           { stdio: ['ignore', 'pipe', 'pipe'] });
  sim.stdout.on('data', (d) => log.push(d.toString()));
  sim.stderr.on('data', (d) => log.push(d.toString()));
  let spawnError = null;
  sim.on('error', (e) => { spawnError = e; });
  return waitFor(() => {
    if (spawnError) throw new Error(`cannot start ${binary}: ${spawnError.message}`);
    if (sim.exitCode !== null) throw new Error(`scalper-sim exited with ${sim.exitCode}: ${log.join('')}`);
    if (!fs.existsSync(portFile)) return false;
    const text = fs.readFileSync(portFile, 'utf8').trim();
    return /^[0-9]+$/.test(text) && Number(text) > 0;
  }, 'the port file', PORT_FILE_WAIT_MS).then(() => Number(fs.readFileSync(portFile, 'utf8').trim()));
}

function request(port, method, urlPath, bodyText, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, method, path: urlPath, timeout: WAIT_MS,
      headers: { 'Content-Type': 'application/json', ...headers,
                 'Content-Length': Buffer.byteLength(bodyText || '') },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body = text;
        try { body = JSON.parse(text); } catch (e) { /* not JSON: keep the text */ }
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    if (bodyText) req.write(bodyText);
    req.end();
  });
}

function signedPost(port, urlPath, body) {
  const text = JSON.stringify(body);
  return request(port, 'POST', urlPath, text, {
    'X-AUTH-APIKEY': API_KEY, 'X-AUTH-SIGNATURE': hmacHex(API_SECRET, text),
  });
}

// A socket.io 2.x client that records what it gets.
function makeClient(name, port) {
  const c = {
    name, events: [], badEnvelopes: [], pongs: 0, connected: false, disconnectReason: null,
  };
  c.socket = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'], reconnection: false, forceNew: true, timeout: WAIT_MS,
  });
  sockets.push(c.socket);
  c.socket.on('connect', () => { c.connected = true; });
  c.socket.on('connect_error', (e) => { c.connectError = String(e); });
  c.socket.on('disconnect', (reason) => { c.disconnectReason = reason; });
  c.socket.on('pong', () => { c.pongs += 1; });  // the answer to a ping this client sent
  for (const ev of PRIVATE_EVENTS.concat(['price-change'])) {
    c.socket.on(ev, (arg) => {
      let decoded = null;
      const ok = arg && typeof arg === 'object' && arg.event === ev && typeof arg.data === 'string';
      if (ok) {
        try { decoded = JSON.parse(arg.data); } catch (e) { c.badEnvelopes.push([ev, arg]); }
      } else {
        c.badEnvelopes.push([ev, arg]);
      }
      c.events.push([ev, decoded]);
    });
  }
  c.statuses = (orderId) => {
    const out = [];
    for (const [ev, data] of c.events) {
      if (ev !== 'df-order-update' || !Array.isArray(data)) continue;
      for (const o of data) if (o && o.id === orderId) out.push(o.status);
    }
    return out;
  };
  c.count = (ev) => c.events.filter(([e]) => e === ev).length;
  return c;
}

function join(client, arg) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(
      `${client.name}: no ack for join ${arg.channelName} within ${WAIT_MS} ms ` +
      `(disconnect reason: ${client.disconnectReason})`)), WAIT_MS);
    client.socket.emit('join', arg, (...ack) => { clearTimeout(t); resolve(ack); });
  });
}

async function main() {
  const binary = process.argv[2];
  if (!binary) fail(`usage: node ${NAME} /path/to/scalper-sim`);
  console.log(`socket.io-client ${clientVersion} (Engine.IO 3)`);
  const port = await startSim(binary, ['--ping-interval-ms', String(PING_INTERVAL_MS),
                                       '--ping-timeout-ms', String(PING_TIMEOUT_MS)]);
  console.log(`scalper-sim on port ${port}`);

  // --- the right signature: private and public channels -----------------------------------
  const good = makeClient('good client', port);
  await waitFor(() => good.connected || good.connectError, 'good client connect');
  check(good.connected, 'good client: connected over EIO3 websocket', good.connectError);
  check(good.socket.io.engine.transport.name === 'websocket', 'good client: transport is websocket');
  const start = Date.now();
  await join(good, {
    channelName: 'coindcx', authSignature: hmacHex(API_SECRET, '{"channel":"coindcx"}'), apiKey: API_KEY,
  });
  await join(good, { channelName: `${PAIR}@prices-futures` });
  console.log(`  joined coindcx (signed) and ${PAIR}@prices-futures`);

  // --- a wrong signature: disconnected by the server ---------------------------------------
  const bad = makeClient('bad-signature client', port);
  await waitFor(() => bad.connected || bad.connectError, 'bad client connect');
  check(bad.connected, 'bad-signature client: connected over EIO3 websocket', bad.connectError);
  bad.socket.emit('join', {
    channelName: 'coindcx', authSignature: hmacHex('not-the-secret', '{"channel":"coindcx"}'), apiKey: API_KEY,
  });
  await waitFor(() => bad.disconnectReason !== null, 'the bad client to be disconnected');
  check(bad.disconnectReason === 'io server disconnect',
        `bad-signature client: server disconnected it (reason "${bad.disconnectReason}")`);

  // --- an order that rests, then fills when the price crosses it ---------------------------
  const order = {
    timestamp: Date.now(),
    order: {
      side: 'buy', pair: PAIR, order_type: 'limit_order', price: '3400.0', total_quantity: 0.01,
      leverage: 3, notification: 'no_notification', time_in_force: 'good_till_cancel',
      margin_currency_short_name: 'USDT',
    },
  };
  const created = await signedPost(port, '/exchange/v1/derivatives/futures/orders/create', order);
  check(created.status === 200 && Array.isArray(created.body) && created.body.length === 1,
        'create order -> 200 with one order', created);
  const orderId = created.body[0].id;
  check(created.body[0].status === 'initial', 'REST reply shows status initial');
  await waitFor(() => good.statuses(orderId).includes('open'), 'df-order-update status open');
  const moved = await request(port, 'POST', '/sim/price', JSON.stringify({ pair: PAIR, price: '3399' }));
  check(moved.status === 200, 'POST /sim/price 3399 -> 200', moved);
  await waitFor(() => good.statuses(orderId).includes('filled'), 'df-order-update status filled');
  await waitFor(() => good.count('df-position-update') > 0, 'df-position-update');
  await waitFor(() => good.count('balance-update') > 0, 'balance-update');
  await waitFor(() => good.count('price-change') > 0, 'price-change');

  check(good.badEnvelopes.length === 0, "every event is {event: name, data: JSON text}", good.badEnvelopes);
  const statuses = good.statuses(orderId);
  check(JSON.stringify(statuses) === JSON.stringify(['initial', 'open', 'filled']),
        `order ${orderId} statuses in order initial -> open -> filled`, statuses);
  const positions = good.events.filter(([e]) => e === 'df-position-update').map(([, d]) => d);
  const lastPos = positions[positions.length - 1][0];
  check(lastPos.pair === PAIR && Number(lastPos.active_pos) === 0.01,
        `df-position-update shows an active position of 0.01 on ${PAIR}`, lastPos);
  const balances = good.events.filter(([e]) => e === 'balance-update').map(([, d]) => d);
  check(balances.every((b) => Array.isArray(b) && b.length > 0 && b[0].currency_short_name === 'USDT'),
        'balance-update carries the USDT wallet', balances);
  const prices = good.events.filter(([e]) => e === 'price-change').map(([, d]) => d);
  check(prices.some((p) => Number(p.p) === 3399), 'price-change shows 3399', prices);

  // --- heartbeat: the client pings, the server pongs, the link outlives ping timeout ------
  const need = Math.floor((PING_INTERVAL_MS + PING_TIMEOUT_MS) / PING_INTERVAL_MS) + 1;
  await waitFor(() => good.pongs >= need || good.disconnectReason !== null,
                `${need} pongs from the server`);
  check(good.disconnectReason === null && good.socket.connected,
        `good client got ${good.pongs} pongs and is still connected after ${(Date.now() - start) / 1000} s ` +
        `(pingTimeout ${PING_TIMEOUT_MS} ms)`, good.disconnectReason);

  const privateToBad = bad.events.filter(([e]) => PRIVATE_EVENTS.includes(e)).map(([e]) => e);
  check(privateToBad.length === 0, 'bad-signature client received no private event', privateToBad);
  const state = await request(port, 'GET', '/sim/state', '');
  check(state.status === 200 && state.body.stream_clients === 1,
        'the simulator keeps only the good client', state.body);

  for (const sock of sockets) sock.close();
  await stopSimChecked();
  console.log('  ok: simulator ran to the end and exited 0 on SIGTERM');
}

main().then(() => {
  clearTimeout(globalTimer);
  cleanup();
  console.log(`PASS ${NAME}`);
  process.exit(0);
}, (e) => {
  // A failed wait is told in one line; a programming error with its stack.
  const bug = e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError;
  fail(bug ? e.stack : (e && e.message) || String(e));
});
