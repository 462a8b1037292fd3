'use strict';
// WebSocket peer for the feed client's interoperability tests (see README.md).
// Prints "listening <port>" on stdout once bound to 127.0.0.1 on a free port.

const http = require('http');
const { WebSocketServer } = require('ws');

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Length': '0' });
  res.end();
});

const wssDefault = new WebSocketServer({ noServer: true });
const wssLimited = new WebSocketServer({ noServer: true, maxPayload: 1024 });

function echo(ws) {
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
}

function logClose(ws, path) {
  ws.on('close', (code, reason) => {
    process.stderr.write(`ws_server: ${path} closed code=${code} reason=${JSON.stringify(reason.toString())}\n`);
  });
  ws.on('error', (err) => {
    process.stderr.write(`ws_server: ${path} error ${err.message}\n`);
  });
}

// One text message of `size` bytes ('a' + i % 26), sent as `n` frames.
function sendFragments(ws, n, size) {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = 0x61 + (i % 26);
  n = Math.max(1, n);
  const base = Math.floor(size / n);
  const extra = size % n;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const len = base + (i < extra ? 1 : 0);
    ws.send(data.subarray(off, off + len), { fin: i === n - 1, binary: false });
    off += len;
  }
}

const routes = {
  '/echo': { wss: wssDefault, onOpen: (ws) => echo(ws) },
  '/limited': { wss: wssLimited, onOpen: (ws) => echo(ws) },
  '/fragments': {
    wss: wssDefault,
    onOpen: (ws, q) => {
      echo(ws);
      sendFragments(ws, parseInt(q.get('n') || '1', 10), parseInt(q.get('size') || '0', 10));
    },
  },
  '/ping': {
    wss: wssDefault,
    onOpen: (ws, q) => {
      echo(ws);
      ws.on('pong', (payload) => ws.send('pong:' + payload.toString('utf8')));
      ws.ping(q.get('payload') || '');
    },
  },
  '/close': {
    wss: wssDefault,
    onOpen: (ws, q) => {
      const code = parseInt(q.get('code') || '1000', 10);
      ws.close(code, q.get('reason') || '');
    },
  },
};

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  const route = routes[url.pathname];
  if (!route) {
    socket.on('error', () => {});
    socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
    return;
  }
  route.wss.handleUpgrade(req, socket, head, (ws) => {
    logClose(ws, url.pathname);
    route.onOpen(ws, url.searchParams);
  });
});

function shutdown() {
  for (const wss of [wssDefault, wssLimited]) {
    for (const ws of wss.clients) ws.terminate();
  }
  server.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
