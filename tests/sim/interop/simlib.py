"""Shared helpers for the scalper-sim interoperability tests (standard library only).

Run the tests with Debian's /usr/bin/python3: the python3-socketio client they use is a
Debian package, not something a pyenv interpreter has.

    sim = Sim(binary, extra_args=["--rate-limit", "3,100"])
    sim.start()                       # --port 0 --port-file <tmp>/port, bounded wait
    status, body = sim.signed_post("/exchange/v1/derivatives/futures/orders/create", {...})
    sim.stop_checked()                # SIGTERM, bounded wait, SIGKILL; fails unless exit 0
    # or: with Sim(binary) as sim: ...  (the same check when the body passed)

Tests print each check ("  ok: ...") and end with "PASS name", or "FAIL name: why" on stderr
and exit code 1 (run_main).
"""

import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

API_KEY = "sim-key"
API_SECRET = "sim-secret"
FUTURES = "/exchange/v1/derivatives/futures"
CREATE = FUTURES + "/orders/create"
CANCEL = FUTURES + "/orders/cancel"
ORDERS = FUTURES + "/orders"

PORT_FILE_WAIT_S = 10.0


class TestFailure(Exception):
    pass


def check(cond, what, detail=None):
    """Prints what was checked; raises TestFailure with it (and detail) when it does not hold."""
    if not cond:
        raise TestFailure(what if detail is None else f"{what}: {detail}")
    print(f"  ok: {what}", flush=True)


def now_ms():
    return int(time.time() * 1000)


def sign(secret, body_bytes):
    if isinstance(body_bytes, str):
        body_bytes = body_bytes.encode()
    return hmac.new(secret.encode(), body_bytes, hashlib.sha256).hexdigest()


def join_signature(secret=API_SECRET):
    return sign(secret, '{"channel":"coindcx"}')


def order_body(side="buy", pair="B-ETH_USDT", price="3400.0", qty=0.01, leverage=3, ts=None):
    return {
        "timestamp": now_ms() if ts is None else ts,
        "order": {
            "side": side,
            "pair": pair,
            "order_type": "limit_order",
            "price": price,
            "total_quantity": qty,
            "leverage": leverage,
            "notification": "no_notification",
            "time_in_force": "good_till_cancel",
            "margin_currency_short_name": "USDT",
        },
    }


class Sim:
    """One scalper-sim process on a free loopback port."""

    def __init__(self, binary, extra_args=None, api_key=API_KEY, api_secret=API_SECRET):
        self.binary = binary
        self.extra_args = list(extra_args or [])
        self.api_key = api_key
        self.api_secret = api_secret
        self.tmpdir = None
        self.proc = None
        self.port = None
        self.tls = "--tls" in self.extra_args
        self._log = None

    # ---- process --------------------------------------------------------------------------
    def start(self):
        if not os.access(self.binary, os.X_OK):
            raise TestFailure(f"simulator binary {self.binary!r} is missing or not executable")
        self.tmpdir = tempfile.mkdtemp(prefix="scalper-sim-interop-")
        port_file = os.path.join(self.tmpdir, "port")
        self._log = open(os.path.join(self.tmpdir, "sim.log"), "w+b")
        args = [self.binary, "--port", "0", "--port-file", port_file] + self.extra_args
        if self.tls and "--cert-dir" not in self.extra_args:
            args += ["--cert-dir", os.path.join(self.tmpdir, "tls")]
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + PORT_FILE_WAIT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                text = f"exited with {self.proc.returncode} before listening:\n{self.log_text()}"
                self.stop()
                raise TestFailure(f"scalper-sim {text}")
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text.isdigit() and int(text) > 0:
                    self.port = int(text)
                    return self
            time.sleep(0.02)  # polling the port file, bounded by the deadline above
        problem = self.stop() or ""
        raise TestFailure(f"scalper-sim wrote no port file within {PORT_FILE_WAIT_S} s\n{problem}")

    def stop(self):
        """Stops the simulator (SIGTERM, bounded wait, SIGKILL) and cleans up. Returns None
        when it ran to the end and exited 0 on SIGTERM, else what went wrong with its output
        (a crash, a sanitizer report, a hang on SIGTERM)."""
        problem = None
        if self.proc is not None:
            if self.proc.poll() is not None:
                problem = f"scalper-sim died during the test (exit {self.proc.returncode})"
            else:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    rc = self.proc.wait(timeout=5)
                    if rc != 0:
                        problem = f"scalper-sim exited with {rc} on SIGTERM (expected 0)"
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
                    problem = "scalper-sim did not stop within 5 s of SIGTERM"
            if problem:
                problem += "\n--- scalper-sim output ---\n" + self.log_text()
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
        return problem

    def stop_checked(self):
        """stop(), failing the test unless the simulator lived to the end and exited 0."""
        problem = self.stop()
        check(problem is None, "simulator ran to the end and exited 0 on SIGTERM", problem)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        # A body that passed still fails when the simulator crashed or did not exit 0 on
        # SIGTERM (a sanitizer report, say); a failing body keeps its own error.
        problem = self.stop()
        if exc_type is None and problem:
            raise TestFailure(problem)
        return False

    @property
    def cert_path(self):
        return os.path.join(self.tmpdir, "tls", "cert.pem")

    # ---- HTTP -----------------------------------------------------------------------------
    def _connection(self, timeout=5):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.cert_path)
            return http.client.HTTPSConnection("localhost", self.port, timeout=timeout,
                                               context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=5):
        """Returns (status, parsed JSON or raw text, response headers)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":"))
        if isinstance(body, str):
            body = body.encode()
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        conn = self._connection(timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            status = resp.status
            resp_headers = dict(resp.getheaders())
        finally:
            conn.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, parsed, resp_headers

    def signed_post(self, path, body, key=None, secret=None):
        """POST with the exact body bytes signed. Returns (status, parsed JSON)."""
        text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        headers = {
            "X-AUTH-APIKEY": key or self.api_key,
            "X-AUTH-SIGNATURE": sign(secret or self.api_secret, text),
        }
        status, parsed, _ = self.request("POST", path, text, headers)
        return status, parsed

    def control(self, method, path, body=None):
        status, parsed, _ = self.request(method, path, body)
        if status != 200:
            raise TestFailure(f"control {method} {path} {body} -> {status} {parsed}")
        return parsed

    def set_price(self, pair, price):
        return self.control("POST", "/sim/price", {"pair": pair, "price": price})

    def ws_url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"


def run_main(main):
    """Runs main(binary) with argv[1] as the simulator; exit code 1 with a message on failure."""
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} /path/to/scalper-sim", file=sys.stderr)
        sys.exit(2)
    name = os.path.basename(sys.argv[0])
    try:
        main(sys.argv[1])
    except TestFailure as e:
        print(f"FAIL {name}: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    except Exception as e:  # an unexpected error is a failure too, with its traceback
        import traceback
        traceback.print_exc()
        print(f"FAIL {name}: unexpected {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"PASS {name}", flush=True)
