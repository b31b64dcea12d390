"""A small client for the triad protocol, from proto/ and docs/partners.md alone.

Generate the message classes first (the official protobuf runtime, 3.20 or later):

    protoc -I proto --python_out=GEN proto/triad/v1/*.proto

and put GEN on sys.path (or PYTHONPATH). Then:

    with Session.connect("triad.example.org:7411", token, ca="ca.crt") as s:
        reply = s.call(request)                 # one request, its answer
        for p in s.pages("list_programmes", ListProgrammesRequest(), "programmes"):
            ...

A Session speaks TLS (verifying the server's certificate and host name),
signs in with Hello, and matches answers to requests by id, so several
requests can be in flight at once (up to HelloReply.max_in_flight).
"""
import os
import socket
import ssl
import struct

from triad.v1 import envelope_pb2, session_pb2

PROTOCOL_VERSION = 1
CODE = envelope_pb2.Code


class TriadError(Exception):
    """The server answered with a status other than OK."""

    def __init__(self, status):
        self.code = CODE.Name(status.code)
        self.message = status.message
        self.field = status.field
        where = f" (field {status.field})" if status.field else ""
        super().__init__(f"{self.code}: {status.message}{where}")


class Session:
    def __init__(self, sock, hello):
        self.sock = sock
        self.hello = hello
        self.next_id = 1
        self.answers = {}          # id -> Response read before it was asked for

    @classmethod
    def connect(cls, addr, token, ca=None, cert=None, key=None, institution="",
                client_name="triad-example-python/1", timeout=10.0, plain=False):
        host, port = addr.rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=timeout)
        if not plain:
            ctx = ssl.create_default_context(cafile=ca)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            if cert:
                ctx.load_cert_chain(cert, key)   # a machine bound to its certificate
            sock = ctx.wrap_socket(sock, server_hostname=host)
        s = cls(sock, None)
        s.institution = institution
        req = envelope_pb2.Request(hello=session_pb2.Hello(
            protocol_version=PROTOCOL_VERSION, token=token, client_name=client_name))
        s.hello = s.call(req, institution="").hello
        return s

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # ---- frames ----

    def _send(self, req):
        body = req.SerializeToString()
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def _read_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the server closed the connection")
            data += chunk
        return data

    def _recv(self):
        (n,) = struct.unpack(">I", self._read_exact(4))
        resp = envelope_pb2.Response()
        resp.ParseFromString(self._read_exact(n))
        return resp

    # ---- requests ----

    def send(self, req, institution=None, idempotency_key=""):
        """Sends req without waiting; returns its id, for answer()."""
        req.id = self.next_id
        self.next_id += 1
        req.institution = self.institution if institution is None else institution
        if idempotency_key:
            req.idempotency_key = idempotency_key
        self._send(req)
        return req.id

    def answer(self, request_id):
        """The answer to request_id; answers to others read meanwhile are kept."""
        while request_id not in self.answers:
            resp = self._recv()
            if resp.id == 0:          # unprompted: the server is closing
                raise TriadError(resp.status)
            self.answers[resp.id] = resp
        resp = self.answers.pop(request_id)
        if resp.status.code != CODE.Value("CODE_OK"):
            raise TriadError(resp.status)
        return resp

    def read(self):
        """The next frame, whichever request it answers: a subscription's
        events come unprompted, each with the SubscribeRequest's id, between
        the answers to other requests (see follow_events.py). Answers that
        answer() kept are handed out first. Raises TriadError when the server
        closes the connection with a reason (id 0)."""
        if self.answers:
            first = min(self.answers)
            return self.answers.pop(first)
        resp = self._recv()
        if resp.id == 0:
            raise TriadError(resp.status)
        return resp

    def call(self, req, institution=None, idempotency_key=""):
        return self.answer(self.send(req, institution, idempotency_key))

    def pages(self, kind, body, items, page_size=100):
        """Every item of a list request, page by page (the server clamps
        page_size to its maximum, 500)."""
        token = ""
        while True:
            b = type(body)()
            b.CopyFrom(body)
            b.page_size = page_size
            b.page_token = token
            req = envelope_pb2.Request()
            getattr(req, kind).CopyFrom(b)
            resp = self.call(req)
            reply = getattr(resp, resp.WhichOneof("body"))
            yield from getattr(reply, items)
            token = reply.next_page_token
            if not token:
                return


def from_environment(**kw):
    """A Session from TRIAD_ADDR, TRIAD_TOKEN, TRIAD_CA, TRIAD_CERT, TRIAD_KEY,
    TRIAD_INSTITUTION and TRIAD_PLAIN, as the triad client reads them."""
    return Session.connect(
        os.environ.get("TRIAD_ADDR", "127.0.0.1:7411"), os.environ["TRIAD_TOKEN"],
        ca=os.environ.get("TRIAD_CA") or None, cert=os.environ.get("TRIAD_CERT") or None,
        key=os.environ.get("TRIAD_KEY") or None,
        institution=os.environ.get("TRIAD_INSTITUTION", ""),
        plain=os.environ.get("TRIAD_PLAIN") == "1", **kw)
