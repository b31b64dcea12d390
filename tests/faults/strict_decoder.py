#!/usr/bin/python3
"""strict_decoder.py ADDR: the answers of a real triadd, read by a strict decoder.

Python's protobuf runtime (the C++ one Debian ships) refuses a message whose
string fields are not UTF-8, status code included, as Go's and Java's do. This
sends mutated requests (the seed corpus of fuzz_envelope, one Request of every
kind, with bytes changed, strings made invalid and NULs put in) on signed-in
connections and decodes every answer strictly. It prints what it decoded and
exits 1 at the first answer that does not decode.

Environment: TRIAD_TOKEN (a token to sign in with), TRIAD_INSTITUTION (the
slug of an institution to act in), TRIAD_SEEDS (the seed
directory), TRIAD_PY (where protoc --python_out put the bindings),
TRIAD_MUTATIONS (how many requests, default 400), TRIAD_SEED (random seed).
"""
import os
import random
import socket
import ssl
import struct
import sys

sys.path.insert(0, os.environ["TRIAD_PY"])
from google.protobuf.message import DecodeError  # noqa: E402
from triad.v1 import envelope_pb2, session_pb2  # noqa: E402,F401

HOST, PORT = sys.argv[1].rsplit(":", 1)
TOKEN = os.environ["TRIAD_TOKEN"]
# Request.institution (field 3), appended to every mutated request so that
# it gets past the institution check to the fields it carries.
INSTITUTION = envelope_pb2.Request(institution=os.environ["TRIAD_INSTITUTION"]).SerializeToString()
rng = random.Random(int(os.environ.get("TRIAD_SEED", "7411")))


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def recv_answer(sock):
    head = recv_exact(sock, 4)
    if head is None:
        return None
    body = recv_exact(sock, struct.unpack(">I", head)[0])
    if body is None:
        return None
    try:
        return envelope_pb2.Response.FromString(body)
    except DecodeError as err:
        print(f"an answer does not decode strictly: {err}\n  bytes: {body!r}")
        sys.exit(1)


def session():
    sock = socket.create_connection((HOST, int(PORT)), timeout=10)
    if os.environ.get("TRIAD_PLAIN") != "1":
        # The daemon serves TLS, with a certificate of the suite's CA.
        tls = ssl.create_default_context(cafile=os.environ["TRIAD_CA"])
        sock = tls.wrap_socket(sock, server_hostname=HOST)
    hello = envelope_pb2.Request(id=1)
    hello.hello.protocol_version = 1
    hello.hello.token = TOKEN
    hello.hello.client_name = "strict-decoder"
    frame = hello.SerializeToString()
    sock.sendall(struct.pack(">I", len(frame)) + frame)
    answer = recv_answer(sock)
    if answer is None or answer.status.code != 0:
        print(f"cannot sign in: {answer}")
        sys.exit(1)
    return sock


def mutate(data):
    data = bytearray(data)
    how = rng.randrange(4)
    if how == 0 and data:                      # change a few bytes
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif how == 1:                              # bytes that are not UTF-8 in some string
        for i in range(len(data)):
            if 0x61 <= data[i] <= 0x7a and rng.random() < 0.2:
                data[i] = rng.choice([0xff, 0xc3, 0x80, 0xed])
    elif how == 2:                              # NUL bytes
        for i in range(len(data)):
            if 0x61 <= data[i] <= 0x7a and rng.random() < 0.1:
                data[i] = 0
    else:                                       # a long id quoted back, cut mid-character
        req = envelope_pb2.Request()
        req.id = 9
        req.get_cohort.id = "x" * 63 + "\u20ac" * 3
        data = bytearray(req.SerializeToString())
    return bytes(data)


def main():
    seeds_dir = os.environ["TRIAD_SEEDS"]
    # SignOut ends the session's token, and with it every later session of
    # this run: a mutation that leaves it intact would stop the run early, or
    # not, depending only on how many seeds there are.
    seeds = [open(os.path.join(seeds_dir, f), "rb").read() for f in sorted(os.listdir(seeds_dir))
             if f != "sign_out"]
    count = int(os.environ.get("TRIAD_MUTATIONS", "400"))
    decoded = closed = 0
    sock = session()
    for n in range(count):
        frame = mutate(rng.choice(seeds))
        if not frame:
            continue
        frame += INSTITUTION
        try:
            sock.sendall(struct.pack(">I", len(frame)) + frame)
            answer = recv_answer(sock)
        except OSError:
            answer = None
        if answer is None:            # the server closed a connection it could not trust
            closed += 1
            sock.close()
            sock = session()
            continue
        decoded += 1
    sock.close()
    print(f"decoded {decoded} answers strictly; {closed} connections closed by the server")


main()
