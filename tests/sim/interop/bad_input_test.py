#!/usr/bin/python3
"""Bad input on raw sockets (standard library only) against one scalper-sim process.

    /usr/bin/python3 bad_input_test.py /path/to/scalper-sim

(a) broken WebSocket frames after a valid upgrade: unmasked client frame, reserved opcode,
    invalid UTF-8, and other RFC 6455 violations -> a close frame with the right code or a
    closed connection; (b) garbage HTTP -> 400 or closed; (c) upgrades with EIO=5 or
    transport=polling -> engine.io's 400 bodies; (d) socket.io garbage packets -> closed;
    (e) the wrong heartbeat direction for EIO4 and EIO3 -> closed; (f) afterwards the same
    process still serves /sim/state and a fresh WebSocket client.
Every wait is bounded by a socket timeout.
"""

import base64
import hashlib
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import TestFailure, check  # noqa: E402

TIMEOUT_S = 5.0
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def frame(opcode, payload, mask=True, fin=True, rsv=0, length_override=None):
    """One WebSocket frame as a client would send it (masked unless told otherwise)."""
    if isinstance(payload, str):
        payload = payload.encode()
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload) if length_override is None else length_override
    if n < 126:
        head = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        head = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Conn:
    """A raw TCP connection with a read buffer: HTTP and WebSocket by hand."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
        self.sock.settimeout(TIMEOUT_S)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by the server")
        self.buf += chunk

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_http_head(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return lines[0], headers

    def read_http_response(self):
        """(status code, headers, body); raises EOFError when closed before a response."""
        status_line, headers = self.read_http_head()
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise TestFailure(f"not an HTTP status line: {status_line!r}")
        n = int(headers.get("content-length", "0"))
        body = self.read_exact(n) if n else b""
        return int(parts[1]), headers, body

    def read_frame(self):
        """(fin, opcode, payload) of one server frame (servers never mask)."""
        b0, b1 = self.read_exact(2)
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self.read_exact(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", self.read_exact(8))
        if b1 & 0x80:
            raise TestFailure("the server sent a masked frame")
        return bool(b0 & 0x80), b0 & 0x0F, self.read_exact(n)

    def wait_closed(self):
        """Reads until the server closes. Returns the close code from its close frame (after
        answering it, as a client should), or None when the TCP connection just ended."""
        try:
            while True:
                _, opcode, payload = self.read_frame()
                if opcode == OP_CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    try:
                        self.send(frame(OP_CLOSE, payload[:2]))
                        while True:  # the server ends TCP after the close handshake
                            self._fill()
                    except (EOFError, ConnectionError):
                        pass
                    return code
                # anything else (an event, a ping) is skipped while waiting for the close
        except (EOFError, ConnectionError):
            return None
        except socket.timeout:
            raise TestFailure(f"the server kept the connection open for {TIMEOUT_S} s")


def ws_connect(port, query="EIO=4&transport=websocket", expect_open=True):
    """A valid upgrade to /socket.io/ by hand. Returns the connection after the open packet."""
    c = Conn(port)
    key = base64.b64encode(os.urandom(16)).decode()
    c.send((f"GET /socket.io/?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
    status_line, headers = c.read_http_head()
    if " 101 " not in status_line + " ":
        raise TestFailure(f"upgrade to /socket.io/?{query}: {status_line!r}")
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    if headers.get("sec-websocket-accept") != accept:
        raise TestFailure(f"wrong Sec-WebSocket-Accept {headers.get('sec-websocket-accept')!r}")
    if expect_open:
        _, opcode, payload = c.read_frame()
        if opcode != OP_TEXT or not payload.startswith(b"0{"):
            raise TestFailure(f"expected the Engine.IO open packet 0{{...}}, got {payload!r}")
        json.loads(payload[1:])  # the handshake is JSON
    return c


def expect_ws_close(sim, what, send, codes, query="EIO=4&transport=websocket", setup=None):
    """Opens a WebSocket, runs setup(conn), sends `send`, and expects a close frame whose
    code is in `codes` (or the TCP connection to end)."""
    c = ws_connect(sim.port, query)
    try:
        if setup:
            setup(c)
        try:
            c.send(send)
        except ConnectionError:
            pass  # already closed by the server: as good as a close
        code = c.wait_closed()
    finally:
        c.close()
    check(code is None or code in codes,
          f"{what} -> {'connection closed' if code is None else f'close {code}'}",
          f"expected a close code in {sorted(codes)}")
    check(sim.alive(), "simulator still running")


def raw_http(sim, data, what, expect_status=400):
    """Sends raw bytes; a response must be `expect_status`, or the connection just closes."""
    c = Conn(sim.port)
    try:
        try:
            c.send(data)
            status, _, body = c.read_http_response()
        except (EOFError, ConnectionError):
            status, body = None, b""
        except socket.timeout:
            raise TestFailure(f"{what}: no answer and no close within {TIMEOUT_S} s")
    finally:
        c.close()
    shown = "closed" if status is None else f"{status} {body.decode(errors='replace')}"
    check(status in (None, expect_status), f"{what} -> {shown}",
          f"expected {expect_status} or a closed connection")
    check(sim.alive(), "simulator still running")
    return status, body


def engineio_400(sim, query, code, what, upgrade=True):
    c = Conn(sim.port)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        hdrs = (f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\n" if upgrade else "")
        c.send(f"GET /socket.io/?{query} HTTP/1.1\r\nHost: x\r\n{hdrs}\r\n".encode())
        status, _, body = c.read_http_response()
    finally:
        c.close()
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    check(status == 400 and isinstance(parsed, dict) and parsed.get("code") == code
          and isinstance(parsed.get("message"), str),
          f"{what} -> 400 {body.decode(errors='replace')}",
          f"expected 400 with body {{\"code\":{code},\"message\":...}}, got {status}")


def connect_namespace(c):
    """EIO4: the client's CONNECT, answered by 40{"sid":...}."""
    c.send(frame(OP_TEXT, "40"))
    _, opcode, payload = c.read_frame()
    if not payload.startswith(b"40{"):
        raise TestFailure(f"expected 40{{\"sid\":...}} after CONNECT, got {payload!r}")


def eio3_started(c):
    """EIO3: the server connects the default namespace itself with 40."""
    _, opcode, payload = c.read_frame()
    if payload != b"40":
        raise TestFailure(f"EIO3: expected the server's 40 after the open packet, got {payload!r}")


def main(binary):
    sim = simlib.Sim(binary)
    sim.start()
    try:
        print(f"scalper-sim on port {sim.port}", flush=True)
        # A good connection is open during the whole run: bad neighbours must not hurt it.
        bystander = ws_connect(sim.port)
        connect_namespace(bystander)

        print("(a) broken WebSocket frames", flush=True)
        expect_ws_close(sim, "unmasked client text frame", frame(OP_TEXT, "40", mask=False),
                        {1002})
        expect_ws_close(sim, "reserved opcode 0x3", frame(0x3, "x"), {1002})
        expect_ws_close(sim, "reserved control opcode 0xB", frame(0xB, "x"), {1002})
        expect_ws_close(sim, "invalid UTF-8 in a text frame", frame(OP_TEXT, b"42[\"\xff\xfe\"]"),
                        {1007})
        expect_ws_close(sim, "truncated UTF-8 sequence ending a text message",
                        frame(OP_TEXT, b"4\xe2\x82"), {1007})
        expect_ws_close(sim, "RSV1 set without an extension", frame(OP_TEXT, "2", rsv=4), {1002})
        expect_ws_close(sim, "continuation frame with nothing to continue",
                        frame(OP_CONT, "2"), {1002})
        expect_ws_close(sim, "fragmented ping (control frame without FIN)",
                        frame(OP_PING, "x", fin=False), {1002})
        expect_ws_close(sim, "ping with a 126-byte payload (control frames max 125)",
                        frame(OP_PING, b"x" * 126), {1002})
        expect_ws_close(sim, "close frame with a 1-byte payload", frame(OP_CLOSE, b"\x03"),
                        {1002})
        expect_ws_close(sim, "close frame with reserved code 1005",
                        frame(OP_CLOSE, struct.pack("!H", 1005)), {1002})
        expect_ws_close(sim, "a new text frame inside a fragmented message",
                        frame(OP_TEXT, "4", fin=False) + frame(OP_TEXT, "0"), {1002})
        expect_ws_close(sim, "binary frame (Engine.IO text only)", frame(OP_BINARY, b"\x00\x01"),
                        {1003, 1007})
        expect_ws_close(sim, "message over the 1 MB maxPayload (64-bit length, no body)",
                        frame(OP_TEXT, b"", length_override=2_000_000), {1009})

        print("(b) malformed HTTP", flush=True)
        raw_http(sim, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),
                 "TLS ClientHello to the plain port")
        raw_http(sim, b"GARBAGE\r\n\r\n", "request line without target or version")
        raw_http(sim, b"GET /sim/state HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP version 9.9")
        raw_http(sim, b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n", "NUL in the method")
        raw_http(sim, b"GET /sim/state HTTP/1.1\r\nHost x\r\nBroken header\r\n\r\n",
                 "header lines without a colon")
        raw_http(sim, b"POST /sim/price HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                 "negative Content-Length")
        raw_http(sim, b"POST /sim/price HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      b"\r\nzz\r\n", "bad chunk size")
        raw_http(sim, os.urandom(512).replace(b"\r\n", b"..") + b"\r\n\r\n", "random bytes")

        print("(c) upgrades the server refuses", flush=True)
        engineio_400(sim, "EIO=5&transport=websocket", 5, "upgrade with EIO=5")
        engineio_400(sim, "EIO=2&transport=websocket", 5, "upgrade with EIO=2")
        engineio_400(sim, "transport=websocket", 5, "upgrade without EIO")
        engineio_400(sim, "EIO=4&transport=polling", 0, "upgrade with transport=polling")
        engineio_400(sim, "EIO=4&transport=polling", 0, "long-polling GET (no upgrade)",
                     upgrade=False)
        c = Conn(sim.port)
        try:
            c.send(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                   b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Version: 13\r\n\r\n")
            try:
                status, _, body = c.read_http_response()
            except (EOFError, ConnectionError):
                status, body = None, b""
        finally:
            c.close()
        check(status in (None, 400), f"upgrade without Sec-WebSocket-Key -> {status} {body!r}")

        print("(d) socket.io garbage packets", flush=True)
        expect_ws_close(sim, "EIO4: socket.io packet 4xyz", frame(OP_TEXT, "4xyz"),
                        {1000, 1002, 1003, 1007, 1008}, setup=connect_namespace)
        expect_ws_close(sim, "EIO4: event 42{not json", frame(OP_TEXT, "42{not json"),
                        {1000, 1002, 1003, 1007, 1008}, setup=connect_namespace)
        expect_ws_close(sim, "EIO4: event 42[] (no event name)", frame(OP_TEXT, "42[]"),
                        {1000, 1002, 1003, 1007, 1008}, setup=connect_namespace)
        expect_ws_close(sim, "EIO4: unknown Engine.IO packet type 9", frame(OP_TEXT, "9"),
                        {1000, 1002, 1003, 1007, 1008})
        expect_ws_close(sim, "EIO4: empty text frame", frame(OP_TEXT, ""),
                        {1000, 1002, 1003, 1007, 1008})
        expect_ws_close(sim, "EIO3: event 42{not json", frame(OP_TEXT, "42{not json"),
                        {1000, 1002, 1003, 1007, 1008}, query="EIO=3&transport=websocket",
                        setup=eio3_started)

        print("(e) wrong heartbeat direction", flush=True)
        expect_ws_close(sim, "EIO4 client sends ping 2", frame(OP_TEXT, "2"),
                        {1000, 1002, 1008}, setup=connect_namespace)
        expect_ws_close(sim, "EIO3 client sends pong 3", frame(OP_TEXT, "3"),
                        {1000, 1002, 1008}, query="EIO=3&transport=websocket",
                        setup=eio3_started)
        # The right directions do work, on fresh connections.
        c = ws_connect(sim.port, "EIO=3&transport=websocket")
        try:
            eio3_started(c)
            c.send(frame(OP_TEXT, "2probe"))
            _, _, payload = c.read_frame()
            check(payload == b"3probe", f"EIO3 client ping 2probe -> {payload!r}")
        finally:
            c.close()

        print("(f) the same process still serves fresh clients", flush=True)
        check(sim.alive(), "simulator process still running")
        # The bystander saw nothing but its own session, and still works.
        # With an ack id (421...) the join is known to be done when 431[] comes back.
        bystander.send(frame(OP_TEXT, '421["join",{"channelName":"B-ETH_USDT@prices-futures"}]'))
        _, opcode, payload = bystander.read_frame()
        check(payload == b"431[]", "the connection open throughout joins a channel, acked", payload)
        sim.set_price("B-ETH_USDT", "3501")
        _, opcode, payload = bystander.read_frame()
        check(opcode == OP_TEXT and payload.startswith(b'42["price-change"'),
              "the connection open throughout still gets price-change", payload)
        bystander.close()

        status, state, _ = sim.request("GET", "/sim/state")
        check(status == 200 and isinstance(state, dict) and "pairs" in state,
              f"GET /sim/state -> {status}")
        fresh = ws_connect(sim.port)  # raises unless 101 + the open packet 0{...}
        check(True, "a fresh WebSocket gets 101 and the open packet 0{...}")
        connect_namespace(fresh)
        check(True, "... and its CONNECT is answered with 40{\"sid\":...}")
        # Every bad connection has left the server's client table: only `fresh` remains.
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            clients = sim.control("GET", "/sim/state")["stream_clients"]
            if clients == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.05)  # polling the control API, bounded by the deadline
        check(clients == 1, f"the server holds exactly one stream client ({clients})")
        fresh.close()

        # Connections the server is closing but whose close handshake the client never
        # finishes are still there when SIGTERM comes: the simulator must stop cleanly all the
        # same (under ASan a use-after-free there fails stop_checked with the report).
        leaving = ws_connect(sim.port)
        connect_namespace(leaving)
        leaving.send(frame(OP_TEXT, "41"))  # the client leaves the default namespace
        _, opcode, _ = leaving.read_frame()
        check(opcode == OP_CLOSE, "client namespace disconnect 41 -> the server's close frame "
                                  "(left unanswered)")
        kicked = ws_connect(sim.port)
        connect_namespace(kicked)
        kicked.send(frame(OP_TEXT, '42["join",{"channelName":"coindcx","apiKey":"sim-key",'
                                   '"authSignature":"00"}]'))
        frames = [kicked.read_frame()[1:] for _ in range(2)]
        check(frames == [(OP_TEXT, b"41"), (OP_CLOSE, struct.pack("!H", 1008))],
              "bad join signature -> 41 then close 1008 (left unanswered)", frames)
        sim.stop_checked()
        leaving.close()
        kicked.close()
    finally:
        sim.stop()


if __name__ == "__main__":
    simlib.run_main(main)
