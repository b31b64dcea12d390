#!/usr/bin/python3
"""Follows an institution's event stream and handles every event once.

    follow_events.py STATE_DIR [--types TYPE,TYPE...]

A partner system that wants to know what changed, as it changes: it sends a
SubscribeRequest and reads the DomainEvent frames that follow (stream.proto,
docs/partners.md "The event stream"). Delivery is at least once, so the
program keeps what it needs to handle each event exactly once, in STATE_DIR:

  events.jsonl  every event handled, one JSON line each, written (and synced
                to disk) before the event counts as handled. Its ids are the
                deduplication set: an event whose id is in it is dropped.
  cursor        the cursor of the last event handled: where the next
                subscription starts after a crash, kill -9, lost connection,
                or restart of the server or of its database.

After handling events it also sends AckEventsRequest with the cursor, so the
server keeps the resume point too (`--from-ack` in `triad events`). Acks are
pipelined: their answers come between the events and are matched by id.

The environment gives the server and the credential (see triad_client.py):
TRIAD_ADDR, TRIAD_TOKEN (a partner machine's token), TRIAD_CA,
TRIAD_INSTITUTION. Exit status: 0 after SIGTERM or SIGINT, 2 on a usage
error or a refused credential, 3 when the cursor is older than the events
the server keeps (CODE_CURSOR_EXPIRED: resynchronise from the list requests,
then remove STATE_DIR/cursor and follow from the start).
"""
import json
import os
import select
import signal
import sys
import time
from datetime import datetime, timedelta, timezone

from triad.v1 import envelope_pb2, session_pb2, stream_pb2

import triad_client

ACK_EVERY = 20            # events handled between two acks
BACKOFF_MAX = 30.0        # seconds between reconnection attempts, at most
RETRYABLE = {"CODE_UNAVAILABLE", "CODE_DEADLINE_EXCEEDED", "CODE_CANCELLED",
             "CODE_OUTCOME_UNKNOWN", "CODE_ABORTED", "CODE_RESOURCE_EXHAUSTED"}

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def rfc3339(us):
    """A time of the protocol (int64 microseconds since the epoch) as RFC 3339 in UTC."""
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%SZ")

class Stop(Exception):
    pass


class State:
    """The handled events and the cursor, on disk."""

    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.dir = directory
        self.events_path = os.path.join(directory, "events.jsonl")
        self.cursor_path = os.path.join(directory, "cursor")
        self.seen = set()
        self.connected = False
        self._load()
        self.out = open(self.events_path, "a", encoding="utf-8")

    def _load(self):
        if not os.path.exists(self.events_path):
            return
        with open(self.events_path, "rb") as f:
            data = f.read()
        # A line cut short by a crash is not an event handled: drop it.
        whole = data[:data.rfind(b"\n") + 1]
        if len(whole) != len(data):
            with open(self.events_path, "r+b") as f:
                f.truncate(len(whole))
        for line in whole.decode("utf-8").splitlines():
            if line:
                self.seen.add(json.loads(line)["id"])

    def cursor(self):
        try:
            with open(self.cursor_path, encoding="utf-8") as f:
                return f.read().strip()
        except FileNotFoundError:
            return ""

    def handle(self, ev):
        """Handles ev unless its id was handled before; True when it was new."""
        if ev.id in self.seen:
            return False
        self.out.write(json.dumps({
            "id": ev.id, "cursor": ev.cursor, "type": ev.type,
            "aggregate_type": ev.aggregate_type, "aggregate_id": ev.aggregate_id,
            "aggregate_version": ev.aggregate_version, "occurred_at": rfc3339(ev.occurred_at_us),
            "data": json.loads(ev.data) if ev.data else None}) + "\n")
        self.out.flush()
        os.fsync(self.out.fileno())
        self.seen.add(ev.id)
        return True

    def save_cursor(self, cursor):
        tmp = self.cursor_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(cursor + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.cursor_path)


def follow(state, types):
    """One connection: subscribe after the stored cursor and handle events
    until the connection ends (an exception says how)."""
    with triad_client.from_environment(client_name="follow-events/1") as s:
        # A subscribed connection is not closed for being idle, but a
        # network can drop it without a word: in a quiet spell (a third of
        # the idle timeout) send a Ping, and when the next spell passes
        # without its answer, take the connection for dead and reconnect.
        # A frame that stalls half-way ends the connection too (the socket's
        # timeout); the next one resumes from the cursor.
        idle = s.hello.idle_timeout_seconds or 60
        s.sock.settimeout(max(30.0, idle))
        after = state.cursor()
        sub = stream_pb2.SubscribeRequest(after=after, types=types)
        sub_id = s.send(envelope_pb2.Request(subscribe=sub))
        started = s.answer(sub_id).subscribed
        state.connected = True
        print(f"following after {started.after or 'the start'}", flush=True)

        handled_since_ack, last_cursor, pending, ping = 0, after, set(), None
        while True:
            if not readable(s, max(1.0, idle / 3)):
                if ping in pending:
                    raise ConnectionError("no answer to a ping: the connection is gone")
                ping = s.send(envelope_pb2.Request(ping=session_pb2.Ping()))
                pending.add(ping)
                if handled_since_ack:
                    pending.add(ack(s, last_cursor))
                    handled_since_ack = 0
                continue
            resp = s.read()
            if resp.id in pending:          # a Ping's or an Ack's answer
                pending.discard(resp.id)
                if resp.status.code != envelope_pb2.CODE_OK:
                    print(f"ack not stored: {triad_client.TriadError(resp.status)}",
                          file=sys.stderr, flush=True)
                continue
            if resp.id != sub_id:
                continue
            if resp.status.code != envelope_pb2.CODE_OK:
                raise triad_client.TriadError(resp.status)
            ev = resp.domain_event
            new = state.handle(ev)
            state.save_cursor(ev.cursor)
            last_cursor = ev.cursor
            print(f"{'event' if new else 'again'} {ev.id} {ev.type} "
                  f"{ev.aggregate_type}/{ev.aggregate_id} v{ev.aggregate_version}", flush=True)
            handled_since_ack += 1
            if handled_since_ack >= ACK_EVERY:
                pending.add(ack(s, last_cursor))
                handled_since_ack = 0


def readable(s, timeout):
    """Whether a frame has begun to arrive within timeout seconds: kept
    answers, bytes TLS has decrypted already, or bytes on the socket."""
    if s.answers or (hasattr(s.sock, "pending") and s.sock.pending()):
        return True
    return bool(select.select([s.sock], [], [], timeout)[0])


def ack(s, cursor):
    return s.send(envelope_pb2.Request(ack_events=stream_pb2.AckEventsRequest(cursor=cursor)))


def main(argv):
    args, types = [], []
    it = iter(argv[1:])
    for a in it:
        if a == "--types":
            types = [t for t in next(it, "").split(",") if t]
        elif a.startswith("-"):
            print(__doc__.strip(), file=sys.stderr)
            return 2
        else:
            args.append(a)
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2

    def stop(signum, frame):
        raise Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    state = State(args[0])
    backoff = 0.5
    try:
        while True:
            state.connected = False
            try:
                follow(state, types)
            except triad_client.TriadError as e:
                if e.code == "CODE_CURSOR_EXPIRED":
                    print(f"resynchronise: {e}", file=sys.stderr, flush=True)
                    return 3
                if e.code not in RETRYABLE:
                    print(f"refused: {e}", file=sys.stderr, flush=True)
                    return 2
                print(f"will reconnect: {e}", file=sys.stderr, flush=True)
            except (OSError, ConnectionError) as e:
                print(f"will reconnect: {e}", file=sys.stderr, flush=True)
            if state.connected:         # it worked for a while: retry soon
                backoff = 0.5
            # Wait before the next attempt, longer each time, with jitter.
            time.sleep(backoff * (0.5 + os.urandom(1)[0] / 255))
            backoff = min(BACKOFF_MAX, backoff * 2)
    except Stop:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
