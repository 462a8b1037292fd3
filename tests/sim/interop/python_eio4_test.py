#!/usr/bin/python3
"""Interop: Debian's python3-socketio client (5.x, Engine.IO 4) against scalper-sim.

    /usr/bin/python3 python_eio4_test.py /path/to/scalper-sim

A client with the right join signature gets its order's df-order-update events (initial ->
open -> filled), df-position-update and balance-update, and the public price-change; it
answers the server's Engine.IO 4 pings and stays connected past the ping timeout. A client
with a wrong signature is disconnected by the server and sees no private event.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simlib  # noqa: E402
from simlib import check  # noqa: E402

try:
    import engineio
    import socketio
except ImportError as e:  # pragma: no cover - environment problem, reported clearly
    print(f"FAIL: python3-socketio is not importable ({e}); run this test with Debian's "
          f"/usr/bin/python3 and `apt-get install python3-socketio`", file=sys.stderr)
    sys.exit(1)

WAIT_S = 5.0
PRIVATE_EVENTS = ("df-order-update", "df-position-update", "balance-update")
PING_INTERVAL_MS = 250
PING_TIMEOUT_MS = 1500
PAIR = "B-ETH_USDT"


class Recorder:
    """A socket.io client that records every event it gets, thread-safely."""

    def __init__(self, name):
        self.name = name
        self.client = socketio.Client(reconnection=False)
        self.lock = threading.Lock()
        self.events = []  # (event name, decoded data)
        self.changed = threading.Condition(self.lock)
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.pongs = 0
        self.bad_envelopes = []

        @self.client.event
        def connect():
            self.connected.set()

        @self.client.event
        def disconnect():
            self.disconnected.set()
            with self.lock:
                self.changed.notify_all()

        for name_ in PRIVATE_EVENTS + ("price-change",):
            self.client.on(name_, self._handler(name_))

        # Count the Engine.IO 4 pongs this client sends: each answers a server ping.
        eio = self.client.eio
        original_send = eio._send_packet

        def spy(pkt):
            if pkt.packet_type == engineio.packet.PONG:
                with self.lock:
                    self.pongs += 1
                    self.changed.notify_all()
            return original_send(pkt)

        eio._send_packet = spy

    def _handler(self, event_name):
        def on_event(arg):
            # CoinDCX's envelope: {"event": name, "data": "<JSON text>"}.
            decoded = None
            ok = (isinstance(arg, dict) and arg.get("event") == event_name
                  and isinstance(arg.get("data"), str))
            if ok:
                try:
                    decoded = json.loads(arg["data"])
                except ValueError:
                    ok = False
            with self.lock:
                if not ok:
                    self.bad_envelopes.append((event_name, arg))
                self.events.append((event_name, decoded))
                self.changed.notify_all()
        return on_event

    def wait_for(self, predicate, what, timeout=WAIT_S):
        """Waits until predicate(self) holds (checked under the lock at every change)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise simlib.TestFailure(
                        f"{self.name}: timed out after {timeout} s waiting for {what}; "
                        f"got events {[e for e, _ in self.events]}")
                self.changed.wait(left)
        return True

    def order_statuses(self, order_id):
        out = []
        for name, data in self.events:
            if name != "df-order-update" or not isinstance(data, list):
                continue
            for o in data:
                if isinstance(o, dict) and o.get("id") == order_id:
                    out.append(o.get("status"))
        return out

    def count(self, event_name):
        return sum(1 for e, _ in self.events if e == event_name)

    def connect(self, url):
        self.client.connect(url, transports=["websocket"], wait_timeout=WAIT_S)
        check(self.connected.wait(WAIT_S), f"{self.name}: connected over EIO4 websocket")

    def join(self, arg):
        """Emits join and waits for the server's ack."""
        try:
            self.client.call("join", arg, timeout=WAIT_S)
        except socketio.exceptions.TimeoutError:
            raise simlib.TestFailure(
                f"{self.name}: no ack for join {arg['channelName']} within {WAIT_S} s "
                f"(disconnected by the server: {self.disconnected.is_set()})") from None

    def close(self):
        try:
            self.client.disconnect()
        except Exception:
            pass


def main(binary):
    sim = simlib.Sim(binary, ["--ping-interval-ms", str(PING_INTERVAL_MS),
                              "--ping-timeout-ms", str(PING_TIMEOUT_MS)])
    sim.start()
    good = Recorder("good client")
    bad = Recorder("bad-signature client")
    try:
        print(f"scalper-sim on port {sim.port}", flush=True)
        url = sim.ws_url()

        # --- the right signature: private and public channels ---------------------------------
        good.connect(url)
        check(good.client.transport() == "websocket", "good client: transport is websocket")
        start = time.monotonic()
        # With an ack the join is known to be processed before the order is placed.
        good.join({"channelName": "coindcx", "authSignature": simlib.join_signature(),
                   "apiKey": simlib.API_KEY})
        good.join({"channelName": f"{PAIR}@prices-futures"})
        print("  joined coindcx (signed) and B-ETH_USDT@prices-futures", flush=True)

        # --- a wrong signature: disconnected by the server -------------------------------------
        bad.connect(url)
        bad.client.emit("join", {"channelName": "coindcx",
                                 "authSignature": simlib.join_signature("not-the-secret"),
                                 "apiKey": simlib.API_KEY})
        check(bad.disconnected.wait(WAIT_S),
              "bad-signature client: server disconnected it after the join")

        # --- an order that rests, then fills when the price crosses it -------------------------
        status, body = sim.signed_post(simlib.CREATE, simlib.order_body(price="3400.0"))
        check(status == 200 and isinstance(body, list) and len(body) == 1,
              "create order -> 200 with one order", f"got {status} {body}")
        order_id = body[0]["id"]
        check(body[0]["status"] == "initial", "REST reply shows status initial")
        good.wait_for(lambda r: "open" in r.order_statuses(order_id),
                      "df-order-update status open")
        sim.set_price(PAIR, "3399")
        good.wait_for(lambda r: "filled" in r.order_statuses(order_id),
                      "df-order-update status filled")
        good.wait_for(lambda r: r.count("df-position-update") > 0, "df-position-update")
        good.wait_for(lambda r: r.count("balance-update") > 0, "balance-update")
        good.wait_for(lambda r: r.count("price-change") > 0, "price-change")

        with good.lock:
            statuses = good.order_statuses(order_id)
            check(not good.bad_envelopes,
                  "every event is {'event': name, 'data': JSON text}", good.bad_envelopes)
            check(statuses == ["initial", "open", "filled"],
                  f"order {order_id} statuses in order initial -> open -> filled ({statuses})")
            positions = [d for e, d in good.events if e == "df-position-update"]
            last_pos = positions[-1][0]
            check(last_pos.get("pair") == PAIR and float(last_pos.get("active_pos", 0)) == 0.01,
                  f"df-position-update shows an active position of 0.01 on {PAIR}", last_pos)
            balances = [d for e, d in good.events if e == "balance-update"]
            check(all(isinstance(b, list) and b and b[0].get("currency_short_name") == "USDT"
                      for b in balances), "balance-update carries the USDT wallet")
            prices = [d for e, d in good.events if e == "price-change"]
            check(any(float(p.get("p", 0)) == 3399.0 for p in prices),
                  "price-change shows 3399", prices)

        # --- heartbeat: the server pings, the client pongs, the link outlives pingTimeout ------
        need = (PING_INTERVAL_MS + PING_TIMEOUT_MS) // PING_INTERVAL_MS + 1
        good.wait_for(lambda r: r.pongs >= need or r.disconnected.is_set(),
                      f"{need} server pings answered", timeout=WAIT_S)
        check(not good.disconnected.is_set() and good.client.connected,
              f"good client answered {good.pongs} server pings and is still connected after "
              f"{time.monotonic() - start:.1f} s (pingTimeout {PING_TIMEOUT_MS} ms)")

        with bad.lock:
            private = [e for e, _ in bad.events if e in PRIVATE_EVENTS]
        check(not private, f"bad-signature client received no private event ({private})")
        state = sim.control("GET", "/sim/state")
        check(state["stream_clients"] == 1,
              f"the simulator keeps only the good client ({state['stream_clients']} clients)")
        good.close()
        bad.close()
        sim.stop_checked()
    finally:
        good.close()
        bad.close()
        sim.stop()


if __name__ == "__main__":
    simlib.run_main(main)
