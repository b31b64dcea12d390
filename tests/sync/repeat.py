"""Writes with idempotency keys, on one session (tests/sync/run.sh).

    repeat.py ADDR TOKEN

Signs in, prints "READY", then reads lines "KEY NAME TIMEOUT_S" from stdin. For
each it creates the organisation NAME with idempotency key KEY and prints one line:
"OK <organisation id>", "<CODE> <message>", or "NOANSWER" when no answer came
within TIMEOUT_S seconds. One session throughout: signing in writes too, and the
test makes commits wait on purpose.
"""
import socket
import sys

from triad.v1 import access_pb2, envelope_pb2
from triad_client import Session, TriadError

addr, token = sys.argv[1:3]
with Session.connect(addr, token, plain=True) as s:
    print("READY", flush=True)
    for line in sys.stdin:
        key, name, timeout = line.split()
        s.sock.settimeout(float(timeout))
        req = envelope_pb2.Request(create_organisation=access_pb2.CreateOrganisationRequest(
            name=name, kind=access_pb2.ORGANISATION_KIND_EMPLOYER))
        try:
            resp = s.answer(s.send(req, idempotency_key=key))
            print("OK", resp.organisation.id, flush=True)
        except TriadError as e:
            print(e.code, e.message, flush=True)
        except socket.timeout:
            print("NOANSWER", flush=True)
            break
