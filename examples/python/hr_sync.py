#!/usr/bin/python3
"""An employer's HR system enrolls its employees: a partner integration.

    hr_sync.py EMPLOYEES.csv

Each line of the CSV is `email,cohort` (the person's e-mail address and the
cohort's name, as people know them). Every line becomes an EnrollRequest with
an idempotency key made from the line itself, so running the file again
(after a crash, a lost connection, or just twice) enrolls nobody twice: the
server answers a repeated key with the first answer. All requests of the file
are sent before the answers are read (pipelining), up to the session's
max_in_flight.

The environment gives the server and the credential (see triad_client.py):
TRIAD_ADDR, TRIAD_TOKEN (a partner machine's token), TRIAD_CA, TRIAD_INSTITUTION.
Exit status: 0 when every line was enrolled, 1 when the server refused some
(each refusal is printed with the server's words), 2 on a usage error.
"""
import csv
import hashlib
import sys

from triad.v1 import enrollment_pb2, envelope_pb2, catalogue_pb2

import triad_client


def key_for(email, cohort):
    """The same line always gets the same key; different lines never do."""
    return "hr-sync:" + hashlib.sha256(f"{email}\n{cohort}".encode()).hexdigest()


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], newline="") as f:
        rows = [(r[0].strip(), r[1].strip()) for r in csv.reader(f) if r]

    with triad_client.from_environment(client_name="acme-hr-sync/1") as s:
        programmes = [p.code for p in s.pages("list_programmes",
                                              catalogue_pb2.ListProgrammesRequest(),
                                              "programmes")]
        print(f"programmes: {', '.join(programmes)}")

        window = max(1, s.hello.max_in_flight)
        sent, refused = [], 0
        for email, cohort in rows:
            req = envelope_pb2.Request(enroll=enrollment_pb2.EnrollRequest(
                person_id=email, cohort_id=cohort))
            sent.append((email, cohort, s.send(req, idempotency_key=key_for(email, cohort))))
            if len(sent) >= window:
                refused += report(s, sent.pop(0))
        for item in sent:
            refused += report(s, item)
    return 1 if refused else 0


def report(s, item):
    email, cohort, request_id = item
    try:
        e = s.answer(request_id).enrollment
    except triad_client.TriadError as err:
        print(f"refused {email} in {cohort}: {err}")
        return 1
    status = enrollment_pb2.EnrollmentStatus.Name(e.status)
    print(f"enrolled {email} in {cohort}: enrollment {e.id} {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
