#!/usr/bin/python3
"""scalper-sim's faults, manual cancels, trade tape and latency histogram, seen by a real
socket.io client (Debian's python3-socketio, EIO4) and plain HTTP.

Every wait is bounded (threading.Event / Condition with a timeout); the stall case uses the
client's own heartbeat timeout as its signal, not a sleep.
"""

import json
import os
import socket
import threading
import time

import socketio

from simlib import (CREATE, FUTURES, Sim, TestFailure, check, join_signature, now_ms,
                    order_body, run_main, sign)

WAIT_S = 10.0
HERE = os.path.dirname(os.path.abspath(__file__))
TAPE = os.path.join(HERE, "..", "..", "..", "tools", "sim_exchange", "tapes", "eth_sample.csv")


class Client:
    """A python-socketio client joined to the private channel and ETH prices, recording every
    event in arrival order with its arrival time."""

    def __init__(self, sim):
        self.sim = sim
        self.events = []  # (monotonic time, event name, decoded data)
        self.cond = threading.Condition()
        self.disconnected = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        for name in ("df-order-update", "df-position-update", "balance-update", "price-change"):
            self.sio.on(name, self._handler(name))
        self.sio.on("disconnect", lambda: self.disconnected.set())

    def _handler(self, name):
        def on_event(arg):
            data = json.loads(arg["data"]) if isinstance(arg.get("data"), str) else arg["data"]
            with self.cond:
                self.events.append((time.monotonic(), name, data))
                self.cond.notify_all()
        return on_event

    def connect(self):
        self.sio.connect(self.sim.ws_url(), transports=["websocket"], wait_timeout=WAIT_S)
        # With an ack id the simulator acknowledges a join once it has been handled, so the
        # price moved below over another connection cannot overtake it.
        self.sio.call("join", {"channelName": "coindcx", "authSignature": join_signature(),
                               "apiKey": "sim-key"}, timeout=WAIT_S)
        self.sio.call("join", {"channelName": "B-ETH_USDT@prices-futures"}, timeout=WAIT_S)
        marker = f"{3500 + (now_ms() % 97) / 100:.2f}"
        self.sim.set_price("B-ETH_USDT", marker)
        self.wait_for(lambda e: e[1] == "price-change" and float(e[2]["p"]) == float(marker),
                      "join round trip")
        return self

    def close(self):
        if self.sio.connected:
            self.sio.disconnect()

    def wait_for(self, predicate, what, count=1):
        deadline = time.monotonic() + WAIT_S
        with self.cond:
            while True:
                hits = [e for e in self.events if predicate(e)]
                if len(hits) >= count:
                    return hits
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestFailure(f"timed out waiting for {what}; got "
                                      f"{[(e[1], e[2]) for e in self.events[-8:]]}")
                self.cond.wait(left)

    def order_statuses(self, order_id):
        with self.cond:
            return [e[2][0]["status"] for e in self.events
                    if e[1] == "df-order-update" and e[2][0]["id"] == order_id]


def place(sim, **kw):
    status, body = sim.signed_post(CREATE, order_body(**kw))
    check(status == 200, f"create {kw} answered 200", (status, body))
    return body[0]["id"]


def is_order(order_id, status):
    return lambda e: (e[1] == "df-order-update" and e[2][0]["id"] == order_id
                      and e[2][0]["status"] == status)


def test_latency_histogram(binary):
    print("latency: fill frame written -> next create received", flush=True)
    with Sim(binary) as sim:
        c = Client(sim).connect()
        try:
            buy = place(sim, price="3400.0")
            sim.set_price("B-ETH_USDT", "3400")
            c.wait_for(is_order(buy, "filled"), "the buy's filled event")
            place(sim, side="sell", price="3410.0")
            lat = sim.control("GET", "/sim/latency")
            eth = lat["pairs"].get("B-ETH_USDT")
            check(eth is not None and eth["count"] == 1, "one sample for B-ETH_USDT", lat)
            check(eth["p50"] > 0 and eth["min"] <= eth["p50"] <= eth["max"],
                  "its quantiles are ordered and positive", eth)
            check(lat["unit"] == "us" and len(eth["buckets"]) == 1, "unit and one bucket", lat)
            raw = sim.control("GET", "/sim/latency/samples")
            pairs = raw["pairs"].get("B-ETH_USDT")
            check(raw["unit"] == "ns" and pairs is not None and len(pairs) == 1,
                  "one raw sample", raw)
            written, received = pairs[0]
            check(0 < written < received and
                  abs((received - written) / 1000 - eth["p50"]) <= eth["p50"] * 0.1 + 1,
                  "written before received, the histogram's one sample", raw)
            lat_ns = time.monotonic_ns()
            check(received <= lat_ns, "on this machine's monotonic clock", (received, lat_ns))
        finally:
            c.close()


def test_stream_faults(binary):
    print("duplicate, reorder, delay, manual cancel, reject on the stream", flush=True)
    with Sim(binary) as sim:
        c = Client(sim).connect()
        try:
            sim.control("POST", "/sim/fault", {"kind": "duplicate_events", "count": 1})
            a = place(sim, price="3400.0")
            c.wait_for(is_order(a, "open"), "order a open")
            check(c.order_statuses(a) == ["initial", "initial", "open"],
                  "the first private event arrived twice", c.order_statuses(a))

            sim.control("POST", "/sim/fault", {"kind": "reorder_events", "count": 1})
            b = place(sim, price="3300.0")
            c.wait_for(is_order(b, "initial"), "order b initial")
            check(c.order_statuses(b) == ["open", "initial"],
                  "the first two private events arrived swapped", c.order_statuses(b))

            sim.control("POST", "/sim/fault", {"kind": "lose_events", "count": 2})
            lost = place(sim, price="3240.0")
            kept = place(sim, price="3230.0")
            c.wait_for(is_order(kept, "open"), "order kept open")
            check(c.order_statuses(lost) == [], "both private events of the first were lost",
                  c.order_statuses(lost))
            check(c.order_statuses(kept) == ["initial", "open"],
                  "the next order's events came on the same connection", c.order_statuses(kept))
            state = sim.control("GET", "/sim/state")
            check(state["faults"]["lose_events"] == 0, "the fault is spent", state["faults"])

            sim.control("POST", "/sim/fault", {"kind": "delay_events", "ms": 300})
            sent = time.monotonic()
            d = place(sim, price="3250.0")
            got = c.wait_for(is_order(d, "open"), "order d open")[0][0]
            check(got - sent >= 0.3, "events held back by the delay", f"{got - sent:.3f} s")
            sim.control("POST", "/sim/faults/clear")

            sim.control("POST", "/sim/cancel", {"id": a})
            c.wait_for(is_order(a, "cancelled"), "a cancelled by hand")
            check(c.order_statuses(a)[-1] == "cancelled", "manual cancel reached the stream")

            sim.control("POST", "/sim/fault", {"kind": "reject_next_order", "mode": "stream"})
            r = place(sim, price="3350.0")
            c.wait_for(is_order(r, "rejected"), "order r rejected")
            check(c.order_statuses(r) == ["initial", "rejected"], "accepted, then rejected")
        finally:
            c.close()


def test_drop_and_stall(binary):
    print("drop_stream and stall_stream", flush=True)
    with Sim(binary, ["--ping-interval-ms", "200", "--ping-timeout-ms", "200"]) as sim:
        c = Client(sim).connect()
        sim.control("POST", "/sim/fault", {"kind": "drop_stream"})
        check(c.disconnected.wait(WAIT_S), "a dropped stream disconnects the client")
        c.close()

        c = Client(sim).connect()
        sim.control("POST", "/sim/fault", {"kind": "stall_stream", "ms": 0})
        state = sim.control("GET", "/sim/state")
        check(state["faults"]["stalled"] is True, "state shows the stall")
        # No pings arrive any more: the client's own heartbeat timeout (200 + 200 ms) fires.
        check(c.disconnected.wait(WAIT_S), "a stalled stream is detected by its heartbeat")
        c.close()
        sim.control("POST", "/sim/faults/clear")
        c = Client(sim).connect()  # and the stream works again
        c.close()


def test_rest_faults(binary):
    print("hang_next_create, http_5xx, http_429, and --fault at start", flush=True)
    with Sim(binary, ["--fault", "http_5xx=1"]) as sim:
        status, _ = sim.signed_post(FUTURES + "/wallets", {"timestamp": now_ms()})
        check(status == 503, "--fault http_5xx=1 refuses the first private call", status)
        status, _ = sim.signed_post(FUTURES + "/wallets", {"timestamp": now_ms()})
        check(status == 200, "and only the first")

        sim.control("POST", "/sim/fault", {"kind": "http_429", "count": 1})
        status, _ = sim.signed_post(FUTURES + "/wallets", {"timestamp": now_ms()})
        check(status == 429, "injected 429")

        sim.control("POST", "/sim/fault", {"kind": "hang_next_create"})
        text = json.dumps(order_body(price="3333.0"), separators=(",", ":"))
        try:
            sim.request("POST", CREATE, text, {"X-AUTH-APIKEY": "sim-key",
                                               "X-AUTH-SIGNATURE": sign("sim-secret", text)},
                        timeout=1.0)
            raise TestFailure("the hung create was answered")
        except (socket.timeout, TimeoutError):
            print("  ok: the create was never answered (client timed out)", flush=True)
        orders = sim.control("GET", "/sim/orders")
        check(any(o["price"] == 3333.0 and o["status"] == "open" for o in orders),
              "yet the order is live on the exchange", orders)
        place(sim, price="3334.0")  # the next one is answered
        check(sim.alive(), "the simulator survived")


def test_tape(binary):
    print("trade tape replay, stepped by hand", flush=True)
    with Sim(binary, ["--trades-csv", TAPE, "--replay-speed", "0"]) as sim:
        state = sim.control("GET", "/sim/state")
        check(state["tape"] == {"trades": 600, "played": 0, "running": False}, "tape loaded",
              state.get("tape"))
        played = sim.control("POST", "/sim/walk/step", {"steps": 2})
        check(played["played"] == 2, "two trades played")
        with open(TAPE) as f:
            second = f.read().splitlines()[2].split(",")
        state = sim.control("GET", "/sim/state")
        eth = [p for p in state["pairs"] if p["pair"] == "B-ETH_USDT"][0]
        check(float(eth["price"]) == float(second[2]), "the last price is the tape's second trade",
              (eth["price"], second[2]))


def main(binary):
    test_latency_histogram(binary)
    test_stream_faults(binary)
    test_drop_and_stall(binary)
    test_rest_faults(binary)
    test_tape(binary)


if __name__ == "__main__":
    run_main(main)
