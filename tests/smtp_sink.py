#!/usr/bin/env python3
"""smtp_sink.py: a small SMTP server that keeps every mail it is given, for the tests.

    smtp_sink.py --dir DIR [--port N] [--reject TEXT] [--no-ehlo] [--parent PID]

Listens on 127.0.0.1 (port N, or any free one with 0) and writes DIR/port once it
does. Speaks enough SMTP for a client that sends mail (EHLO or HELO, MAIL, RCPT,
DATA, RSET, NOOP, QUIT), with multi-line replies, and undoes dot-stuffing. Each
mail is kept twice, written whole before it appears (rename):

    DIR/mail-NNNN.eml   the message as received
    DIR/mail-NNNN.txt   what a test reads: "mail-from:", "rcpt-to:" (one line per
                        recipient), "subject:" (decoded) and "violation:" lines (a
                        line over 1000 bytes, bare LF), then a blank line and the
                        decoded body

--reject TEXT refuses recipients whose address contains TEXT with 550; --no-ehlo
answers EHLO with 502, so that the client must fall back to HELO. The sink exits
when process PID (--parent) is gone, so a test that dies leaves nothing behind.
Only the Python standard library is needed.
"""
import argparse
import asyncio
import email
import email.policy
import os
import sys

LINE_MAX = 1000  # RFC 5321: a text line is at most 1000 octets with its CRLF


class Sink:
    def __init__(self, args):
        self.dir = args.dir
        self.reject = args.reject
        self.no_ehlo = args.no_ehlo
        # A sink started again on the same directory numbers on.
        self.count = len([f for f in os.listdir(self.dir) if f.endswith(".eml")])

    def keep(self, mail_from, rcpts, raw, violations):
        self.count += 1
        stem = os.path.join(self.dir, "mail-%04d" % self.count)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        try:
            body = msg.get_content().replace("\r\n", "\n")
        except (KeyError, LookupError, ValueError) as e:
            body = "(body not decodable: %s)\n" % e
            violations.append("undecodable body")
        head = ["mail-from: %s" % mail_from]
        head += ["rcpt-to: %s" % r for r in rcpts]
        head.append("subject: %s" % msg.get("subject", ""))
        head += ["violation: %s" % v for v in violations]
        for path, data in ((stem + ".eml", raw),
                           (stem + ".txt", ("\n".join(head) + "\n\n" + body).encode("utf-8"))):
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.rename(path + ".tmp", path)

    async def session(self, reader, writer):
        def say(*lines):
            for i, line in enumerate(lines):
                sep = " " if i == len(lines) - 1 else "-"
                writer.write(("%s%s%s\r\n" % (line[:3], sep, line[4:])).encode())

        mail_from, rcpts = None, []
        say("220 sink.test ESMTP", "220 test sink ready")
        try:
            while True:
                await writer.drain()
                line = await reader.readline()
                if not line:
                    return
                if len(line) > LINE_MAX or not line.endswith(b"\r\n"):
                    say("500 line too long or not ended by CRLF")
                    continue
                text = line[:-2].decode("ascii", "replace")
                verb = text[:4].upper()
                if verb == "EHLO":
                    if self.no_ehlo:
                        say("502 5.5.2 command not recognized")
                    else:
                        say("250 sink.test", "250 8BITMIME", "250 SIZE 1000000", "250 HELP")
                elif verb == "HELO":
                    say("250 sink.test")
                elif text.upper().startswith("MAIL FROM:"):
                    mail_from, rcpts = text[10:].strip().strip("<>"), []
                    say("250 2.1.0 ok")
                elif text.upper().startswith("RCPT TO:"):
                    rcpt = text[8:].strip().strip("<>")
                    if mail_from is None:
                        say("503 5.5.1 MAIL first")
                    elif self.reject and self.reject in rcpt:
                        say("550 5.1.1 no such user here")
                    else:
                        rcpts.append(rcpt)
                        say("250 2.1.5 ok")
                elif verb == "DATA":
                    if not rcpts:
                        say("503 5.5.1 RCPT first")
                        continue
                    say("354 end with <CRLF>.<CRLF>")
                    await writer.drain()
                    raw, violations = [], []
                    while True:
                        line = await reader.readline()
                        if not line:
                            return
                        if len(line) > LINE_MAX:
                            violations.append("line over %d bytes" % LINE_MAX)
                        if not line.endswith(b"\r\n"):
                            violations.append("line not ended by CRLF")
                        if line == b".\r\n":
                            break
                        if line.startswith(b"."):
                            line = line[1:]
                        raw.append(line)
                    self.keep(mail_from, rcpts, b"".join(raw), violations)
                    mail_from, rcpts = None, []
                    say("250 2.0.0 queued")
                elif verb == "RSET":
                    mail_from, rcpts = None, []
                    say("250 2.0.0 ok")
                elif verb == "NOOP":
                    say("250 2.0.0 ok")
                elif verb == "QUIT":
                    say("221 2.0.0 bye")
                    await writer.drain()
                    return
                else:
                    say("500 5.5.2 command not recognized")
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        finally:
            writer.close()


async def watch_parent(pid):
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        await asyncio.sleep(0.5)


async def main():
    p = argparse.ArgumentParser(description="SMTP sink for the tests")
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--reject", default="")
    p.add_argument("--no-ehlo", action="store_true")
    p.add_argument("--parent", type=int, default=0)
    args = p.parse_args()
    sink = Sink(args)
    server = await asyncio.start_server(sink.session, "127.0.0.1", args.port, reuse_address=True,
                                        limit=4 * LINE_MAX)
    port = server.sockets[0].getsockname()[1]
    with open(os.path.join(args.dir, "port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(args.dir, "port.tmp"), os.path.join(args.dir, "port"))
    if args.parent:
        asyncio.ensure_future(watch_parent(args.parent))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
