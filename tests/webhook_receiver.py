#!/usr/bin/env python3
"""webhook_receiver.py: a partner's webhook endpoint, for the tests.

    webhook_receiver.py --dir DIR [--port N] [--tls-cert C --tls-key K] [--parent PID]

Listens on 127.0.0.1 (port N, or any free one with 0; HTTPS with the given
certificate and key) and writes DIR/port once it does. Each POST is checked the
way docs/webhooks.md tells a partner to check it, with Python's own hmac module
(an implementation independent of triadd's OpenSSL one):

  - Triad-Signature is "t=<unix>,v1=<hex>[,v1=<hex>...]";
  - one v1 must equal HMAC-SHA256(secret, "<t>.<raw body>"), compared with
    hmac.compare_digest, for the secret in DIR/secret (read at every request);
  - t must be within 300 seconds of now;
  - the body must be JSON whose "id" is the Triad-Event-Id header.

It answers with the status in DIR/status (read at every request; 200 when the
file is missing) when the signature holds, and 400 when it does not, and then
appends one line to DIR/log:

    <ok|bad> <status answered> <Triad-Event-Id> <Triad-Delivery-Id> <Triad-Event-Type> <ms>

where ms is the time of arrival in milliseconds (time.time()). The line is
written before the answer is sent. It exits when process PID (--parent) is
gone. Only the standard library is needed.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import threading
import time

TOLERANCE = 300


def verify(secret, header, body, now):
    """True when header signs body with secret within the tolerance."""
    t = None
    sigs = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            t = value
        elif key == "v1":
            sigs.append(value)
    if t is None or not t.isdigit() or not sigs:
        return False
    if abs(now - int(t)) > TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in sigs)


def read(path, default):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        d = self.server.dir
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        event_id = self.headers.get("Triad-Event-Id", "-")
        ok = verify(read(os.path.join(d, "secret"), ""), self.headers.get("Triad-Signature", ""),
                    body, time.time())
        if ok:
            try:
                ok = json.loads(body)["id"] == event_id
            except (ValueError, KeyError, TypeError):
                ok = False
        status = int(read(os.path.join(d, "status"), "200")) if ok else 400
        line = "%s %d %s %s %s %d\n" % ("ok" if ok else "bad", status, event_id,
                                        self.headers.get("Triad-Delivery-Id", "-"),
                                        self.headers.get("Triad-Event-Type", "-"),
                                        int(time.time() * 1000))
        with open(os.path.join(d, "log"), "a") as f:
            f.write(line)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + (fmt % args) + "\n")


def watch_parent(pid):
    while True:
        try:
            os.kill(pid, 0)
        except OSError:
            os._exit(0)
        time.sleep(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--parent", type=int)
    args = p.parse_args()
    http.server.HTTPServer.allow_reuse_address = True
    server = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    server.dir = args.dir
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if args.parent:
        threading.Thread(target=watch_parent, args=(args.parent,), daemon=True).start()
    tmp = os.path.join(args.dir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, os.path.join(args.dir, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
