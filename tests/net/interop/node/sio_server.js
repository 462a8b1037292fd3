'use strict';
// Socket.IO v4 peer (Engine.IO 3 and 4) for the feed client's interoperability
// tests (see README.md). Prints "listening <port>" on stdout once bound to
// 127.0.0.1 (on a free port unless --port says which).
// Flags: --ping-interval MS (default 25000), --ping-timeout MS (default 20000),
// --port N (default: a free one; a test restarts the server on the port it had).

const http = require('http');
const { Server } = require('socket.io');

function flag(name, def) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) return def;
  const v = parseInt(process.argv[i + 1], 10);
  if (!Number.isFinite(v) || v <= 0 || v > 65535 * 1000) {
    process.stderr.write(`sio_server: bad value for ${name}\n`);
    process.exit(2);
  }
  return v;
}

const pingInterval = flag('--ping-interval', 25000);
const pingTimeout = flag('--ping-timeout', 20000);
const port = process.argv.includes('--port') ? flag('--port', 0) : 0;

const server = http.createServer();
const io = new Server(server, {
  allowEIO3: true,
  transports: ['polling', 'websocket'],
  pingInterval,
  pingTimeout,
});

function log(msg) {
  process.stderr.write(`sio_server: ${msg}\n`);
}

io.on('connection', (socket) => {
  const eio = Number(socket.conn.protocol);
  log(`connect id=${socket.id} eio=${eio} transport=${socket.conn.transport.name}`);
  socket.on('disconnect', (reason) => {
    log(`disconnect id=${socket.id} eio=${eio} reason=${reason}`);
  });

  socket.emit('welcome', { eio, id: socket.id });

  socket.on('join', (arg) => {
    const channelName = arg && arg.channelName;
    socket.join(channelName);
    socket.emit('joined', { channelName });
  });

  socket.on('echo', (...args) => {
    // Drop a trailing acknowledgement callback, if the client asked for one.
    if (args.length && typeof args[args.length - 1] === 'function') args.pop();
    socket.emit('echo', ...args);
  });

  socket.on('burst', (arg) => {
    const count = (arg && arg.count) | 0;
    for (let i = 0; i < count; i++) socket.emit('burst-item', { i });
    socket.emit('burst-done', { count });
  });

  // An exchange's event on demand, to every connected client (a test drives the client under
  // test from a second connection): `name` emitted `times` times with the argument `arg` (any
  // JSON value, passed through), e.g. a CoinDCX df-order-update envelope, valid or not.
  socket.on('emit-as', (spec) => {
    const times = (spec && spec.times) | 0 || 1;
    for (let i = 0; i < times; i++) io.emit(String(spec.name), spec.arg);
  });

  // The application-level `ping` a CoinDCX client sends every 25 s, made visible: answered
  // with `pong-app` carrying the same arguments.
  socket.on('ping', (...args) => {
    if (args.length && typeof args[args.length - 1] === 'function') args.pop();
    socket.emit('pong-app', ...args);
  });

  socket.on('kick', () => {
    socket.disconnect(true);
  });

  // Abrupt loss of the TCP connection: no close frame, no disconnect packet.
  // websocket transport: the ws socket's net.Socket; polling: the sockets of
  // the pending GET and POST requests.
  socket.on('drop', () => {
    const t = socket.conn.transport;
    const sockets = [];
    if (t.socket && t.socket._socket) sockets.push(t.socket._socket);
    if (t.req && t.req.socket) sockets.push(t.req.socket);
    if (t.dataReq && t.dataReq.socket) sockets.push(t.dataReq.socket);
    if (sockets.length === 0) sockets.push(socket.request.socket);
    for (const s of sockets) s.destroy();
  });

  socket.on('close-transport', () => {
    socket.conn.close();
  });
});

function shutdown() {
  io.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
