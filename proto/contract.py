#!/usr/bin/python3
"""Writes each request's contract into the comments of the .proto files.

    proto/contract.py PATH/TO/triadd [--check]

For every request kind the registry knows (`triadd routes --json`), the
comment block that starts with "// Contract" just above its message is
(re)written from what the server does, never from guesses:

  * who may call it and whether Request.institution matters: the access
    policy of its verb (daemon/auth.c), as in proto/PERMISSIONS.md;
  * whether it writes, honours idempotency keys and emits an event: its
    Route row's flags;
  * its paging and the order of its items: the row's paging and the
    ORDER BY of its list statement (or of the SQL function it calls);
  * the fields that take names, and the errors it can answer with their
    codes and fields: the row's parameters, its NOT_FOUND message, the
    refusals (triad_raise) of the SQL functions its statements call, and
    for handlers written in C, the checks and refusals in the handler.

What every request may answer besides (envelope.proto, CONTRACT) is not
repeated. Run it after changing a route or an SQL function; with --check it
changes nothing and fails when a comment is stale.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO = os.path.join(ROOT, "proto", "triad", "v1")
SQLDIR = os.path.join(ROOT, "sql", "functions")
DAEMON = os.path.join(ROOT, "daemon")

SQLSTATE = {"TR400": "INVALID_ARGUMENT", "TR401": "UNAUTHENTICATED", "TR403": "PERMISSION_DENIED",
            "TR404": "NOT_FOUND", "TR409": "FAILED_PRECONDITION", "TR410": "CURSOR_EXPIRED",
            "TRDUP": "ALREADY_EXISTS"}
CODE_ORDER = ["INVALID_ARGUMENT", "NOT_FOUND", "PERMISSION_DENIED", "FAILED_PRECONDITION",
              "ALREADY_EXISTS", "RESOURCE_EXHAUSTED", "CURSOR_EXPIRED", "UNAUTHENTICATED",
              "UNAVAILABLE"]
# Functions every write calls that refuse nothing a caller can cause.
QUIET = {"triad_raise", "triad_audit", "triad_ts", "triad_tenant", "triad_person",
         "triad_staff", "triad_principal", "triad_written", "triad_stream_note",
         "triad_organisation", "triad_words", "triad_key_parts", "triad_key_fits"}
WIDTH = 76


def camel(name):
    return "".join(p.capitalize() for p in name.split("_"))


# ---- SQL functions and their refusals ----

def sql_functions():
    """name -> body text of every function in sql/functions/*.sql."""
    out = {}
    for fn in sorted(os.listdir(SQLDIR)):
        if not fn.endswith(".sql"):
            continue
        text = open(os.path.join(SQLDIR, fn), encoding="utf-8").read()
        for m in re.finditer(r"CREATE OR REPLACE FUNCTION (\w+)\s*\((.*?)\$\$(.*?)\$\$", text, re.S):
            out.setdefault(m.group(1), "")
            out[m.group(1)] += m.group(2) + "\n" + fold_constants(m.group(3))
    return out


def fold_constants(body):
    """Writes the text constants a function declares (v_path constant text
    := 'create_programme.programme') where it uses them, and joins the
    literals concatenated with ||, so that fields read as literals."""
    for m in re.finditer(r"\b(v_\w+)\s+(?:constant\s+)?text\s*:=\s*'((?:[^']|'')*)'\s*;", body):
        var, lit = m.group(1), m.group(2)
        head, tail = body[:m.end()], body[m.end():]
        body = head + re.sub(r"\b%s\b" % var, "'" + lit.replace("\\", "\\\\") + "'", tail)
    pair = re.compile(r"'((?:[^']|'')*)'\s*\|\|\s*'((?:[^']|'')*)'")
    while True:
        new = pair.sub(lambda m: "'" + m.group(1) + m.group(2) + "'", body)
        if new == body:
            return body
        body = new


def sql_literal(expr):
    """The text of a SQL expression that is a literal or format('...'), with
    its %s shown as ...; None for anything else."""
    expr = expr.strip()
    m = re.match(r"format\(\s*'((?:[^']|'')*)'", expr)
    if m:
        parts = [m.group(1)]
        rest = expr[m.end():]
        while True:      # adjacent literals continue the format string
            n = re.match(r"\s*'((?:[^']|'')*)'", rest)
            if not n:
                break
            parts.append(n.group(1))
            rest = rest[n.end():]
        return re.sub(r"%[sIL]", "...", "".join(parts)).replace("''", "'")
    lits = re.findall(r"'((?:[^']|'')*)'", expr)
    if lits and re.fullmatch(r"(\s*'(?:[^']|'')*'\s*)+", expr):
        return "".join(lits).replace("''", "'")
    if lits:
        return None
    return None


def split_args(s):
    """The top-level arguments of a call whose text starts after '('."""
    args, depth, cur, i, quote = [], 0, "", 0, False
    while i < len(s):
        c = s[i]
        if quote:
            cur += c
            if c == "'":
                if i + 1 < len(s) and s[i + 1] == "'":
                    cur += "'"
                    i += 1
                else:
                    quote = False
        elif c == "'":
            quote = True
            cur += c
        elif c == "(":
            depth += 1
            cur += c
        elif c == ")":
            if depth == 0:
                args.append(cur)
                return args
            depth -= 1
            cur += c
        elif c == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    return args


def raises_of(funcs, name, request, seen=None, field_args=()):
    """(code, field, message) refusals of function name and of what it calls.
    field_args: literal field names the caller passed (for helpers that
    raise with a field they were given)."""
    seen = seen if seen is not None else set()
    if (name, field_args) in seen or name not in funcs or name in QUIET:
        return []
    seen.add((name, field_args))
    body = funcs[name]
    out = []
    for m in re.finditer(r"triad_raise\(", body):
        args = split_args(body[m.end():])
        if len(args) < 2:
            continue
        state = sql_literal(args[0])
        code = SQLSTATE.get(state or "")
        if code is None:
            continue
        msg = sql_literal(args[1]) or ""
        field = sql_literal(args[2]) if len(args) > 2 else ""
        if field is None:
            # v_req || '.day' and the like: the field the caller named.
            tail = re.search(r"'\.(\w+)'\s*$", args[2].strip())
            if tail and field_args and args[2].strip().startswith("p_"):
                # p_path || '.award': below the path the caller gave.
                field = f"{field_args[0]}.{tail.group(1)}"
            elif tail:
                field = f"{request}.{tail.group(1)}"
            elif field_args:
                field = field_args[0]
            else:
                field = ""
        out.append((code, field, msg))
    for m in re.finditer(r"\b(triad_\w+)\s*\(", body):
        callee = m.group(1)
        if callee == name or callee not in funcs:
            continue
        args = split_args(body[m.end():])
        lits = []
        for a in args:
            below = re.fullmatch(r"\s*p_\w+\s*\|\|\s*'\.(\w+)'\s*", a)
            if below and field_args:      # p_path || '.name'
                lits.append(f"{field_args[0]}.{below.group(1)}")
            elif re.fullmatch(r"\s*p_(?:path|field|column)\s*", a) and field_args:
                lits.append(field_args[0])
            else:
                lits.append(sql_literal(a))
        passed = tuple(l for l in lits if l and l.startswith(request + "."))
        got = raises_of(funcs, callee, request, seen, passed)
        if passed and any(a.strip() == "false" for a in args):
            # triad_date(text, field, false) and the like: optional here.
            got = [g for g in got if "is required" not in g[2]]
        out += got
    return out


def order_of(funcs, sql):
    """The ORDER BY of a list statement, or of the function it reads."""
    m = re.search(r"ORDER BY (.*?)(?: LIMIT| OFFSET|$)", sql)
    if m:
        return m.group(1).strip()
    for f in re.findall(r"\b(triad_\w+)\s*\(", sql):
        body = funcs.get(f, "")
        m = re.findall(r"RETURN QUERY.*?ORDER BY (.*?)(?: LIMIT|;)", body, re.S)
        if m:
            return re.sub(r"\b\w+\.", "", " ".join(m[-1].split()))
    return ""


# ---- handlers written in C ----

def c_sources():
    text = {}
    for fn in sorted(os.listdir(DAEMON)):
        if fn.startswith("svc_") and fn.endswith(".c"):
            text[fn] = open(os.path.join(DAEMON, fn), encoding="utf-8").read()
    return text


def c_function(src, name):
    m = re.search(r"\n(?:static )?(?:void|bool|int)\s*\n%s\(.*?\)\n\{(.*?)\n\}\n" % re.escape(name),
                  src, re.S)
    return m.group(1) if m else ""


C_CODES = {"INVALID_ARGUMENT", "NOT_FOUND", "PERMISSION_DENIED", "FAILED_PRECONDITION",
           "ALREADY_EXISTS", "RESOURCE_EXHAUSTED", "UNAVAILABLE", "UNAUTHENTICATED",
           "CURSOR_EXPIRED"}


def c_string(expr):
    lits = re.findall(r'"((?:[^"\\]|\\.)*)"', expr)
    return "".join(lits) if lits else None


def handler_facts(srcs, funcs, request):
    """(errors, required, sql functions) of the C handler of request."""
    kind = request.upper()
    for src in srcs.values():
        m = re.search(r"(?:\.kind = )?K\(%s\)[^}]*?\.handler = (\w+)" % kind, src, re.S)
        if not m:
            continue
        errors, required, called = [], [], []
        paging = None
        todo, done = [m.group(1)], set()
        while todo:
            fn = todo.pop()
            if fn in done:
                continue
            done.add(fn)
            body = c_function(src, fn)
            for c in re.finditer(r"check_text\(call, \"([\w.]+)\", [^,]+, (\d+),\s*([\w() *+]+)\)", body):
                f, lo, hi = c.group(1), int(c.group(2)), c.group(3).strip()
                most = f"at most {hi} characters" if hi.isdigit() else "not too long"
                errors.append(("INVALID_ARGUMENT", f, most if lo == 0 else "required, " + most))
                if lo >= 1:
                    required.append(f.split(".", 1)[1])
            for c in re.finditer(r"check_id\(call, \"([\w.]+)\", [^,]+, (true|false)\)", body):
                errors.append(("INVALID_ARGUMENT", c.group(1), "not an id"))
                if c.group(2) == "true":
                    required.append(c.group(1).split(".", 1)[1])
            for c in re.finditer(r"check_page_(?:size|token)\(call, \"([\w.]+)\"", body):
                errors.append(("INVALID_ARGUMENT", c.group(1),
                               "negative" if c.group(1).endswith("size") else
                               "a token this list did not give"))
            for c in re.finditer(r"call_fail\(call, TRIAD__V1__CODE__CODE_(\w+),\s*(NULL|\"[\w.]*\")", body):
                if c.group(1) not in C_CODES:
                    continue
                args = split_args(body[c.start() + len("call_fail("):])
                msg = c_string(",".join(args[3:])) if len(args) > 3 else ""
                f = c.group(2).strip('"') if c.group(2) != "NULL" else ""
                errors.append((c.group(1), f, re.sub(r"%[-.*\d]*[a-z]+", "...", msg or "")))
            if re.search(r"check_page_token\(", body):
                found = re.findall(r"ORDER BY ([\w.]+(?: DESC)?) LIMIT", body)
                if not found:     # a statement kept beside the function
                    every = set(re.findall(r"ORDER BY ([\w.]+(?: DESC)?) LIMIT", src))
                    found = list(every) if len(every) == 1 else []
                paging = re.sub(r"^\w+\.", "", found[0]) if found else "id"
                paging = paging.replace(" DESC", ", newest first")
            for c in re.finditer(r"\"SELECT[^;]*?\b(triad_\w+)\(", body):
                called.append(c.group(1))
            for c in re.finditer(r"\b(\w+)\(", body):
                if c_function(src, c.group(1)) and c.group(1) not in done:
                    todo.append(c.group(1))
        return errors, required, called, paging
    return [], [], [], None


# ---- the block ----

def wrap(text, first, rest):
    words, lines, cur = text.split(), [], first
    for w in words:
        if len(cur) + 1 + len(w) > WIDTH and cur.strip() not in ("//", "//   "):
            lines.append(cur.rstrip())
            cur = rest
        cur += ("" if cur.endswith(" ") else " ") + w
    lines.append(cur.rstrip())
    return lines


def block(route, funcs, srcs):
    name = route["request"]
    lines = ["// Contract (proto/contract.py, from the server's code):"]
    scope = route["scope"]
    roles = ", ".join(r for r in route["roles"] if r != "operator") or "operators only"
    who = {"public": "anyone, before a session (the request carries its credential)",
           "session": "anyone signed in, about their own",
           "service": "operators only",
           }.get(scope, roles + (", and operators" if "operator" in route["roles"] else ""))
    if scope in ("public", "session"):
        lines += wrap(f"Who: {who} (verb {route['verb']}).", "//   ", "//     ")
    else:
        lines += wrap(f"Who: {who} (verb {route['verb']}; anyone else PERMISSION_DENIED, "
                      "before anything is read).", "//   ", "//     ")
    if route.get("variant"):
        v = route["variant"]
        vroles = ", ".join(r for r in v["roles"] if r != "operator") or "operators only"
        lines += wrap(f"Who, {v['when']}: {vroles}" +
                      (", and operators" if "operator" in v["roles"] and vroles != "operators only"
                       else "") + f" (verb {v['verb']}, scope {v['scope']}).",
                      "//   ", "//     ")
    inst = {"institution": "names the institution acted in (id or slug; may be empty for a "
                           "caller whose grants are all in one)",
            "shared": "ignored: persons and organisations are shared by all institutions",
            "session": "ignored: about the caller's own session",
            "service": "ignored: the service as a whole",
            "public": "ignored"}.get(scope, scope)
    if route.get("variant") and route["variant"]["scope"] == "institution" and \
            scope != "institution":
        inst += f"; {route['variant']['when']}, it names the institution acted in"
    lines += wrap(f"Request.institution: {inst}.", "//   ", "//     ")
    if route["writes"]:
        w = "Writes" + (", honours idempotency_key" if route["idempotent"] else "") + \
            (", emits a domain event" if route["event"] else "") + "."
        if route.get("secret"):
            w += (" Its answer holds a secret shown once: a repeat with the same key is"
                  " ALREADY_EXISTS naming idempotency_key.")
        lines += wrap(w, "//   ", "//     ")

    errors, required, names, called = [], [], [], []
    order = ""
    for st in route["statements"]:
        for p in st["params"]:
            if p.startswith("$"):
                continue
            path, _, kind = p.partition("@")
            field = f"{name}.{path}"
            if kind:
                names.append(f"{path} ({kind.replace('my_', 'empty: own ') if kind.startswith('my_') else kind})")
                errors.append(("NOT_FOUND", field, "names nothing the caller may see"))
                errors.append(("INVALID_ARGUMENT", field, "a name that fits several (the choices in the message)"))
            elif path.split(".")[-1] in ("id", "page_token") or path.endswith("_id"):
                if path.split(".")[-1] != "page_token":
                    errors.append(("INVALID_ARGUMENT", field, "not an id"))
        for f in re.findall(r"\b(triad_\w+)\s*\(", st["sql"]):
            called.append(f)
        if st["into"] and route["paged"]:
            order = order_of(funcs, st["sql"])
    if route["not_found"]:
        single = [p for st in route["statements"] if not st["into"] for p in st["params"]
                  if not p.startswith("$")]
        f = f"{name}.{single[0].partition('@')[0]}" if len(single) == 1 else ""
        errors.append(("NOT_FOUND", f, route["not_found"]))
    handler_paging = None
    if route["handler"]:
        e, r, c, handler_paging = handler_facts(srcs, funcs, name)
        errors += e
        required += r
        called += c
    for f in dict.fromkeys(called):
        lits = []
        for st in route["statements"]:
            lits += re.findall(r"'(%s\.\w+)'" % name, st["sql"])
        errors += raises_of(funcs, f, name, None, tuple(lits))
    for code, field, msg in errors:
        # "... is required", and numbers whose zero is refused ("must be 1
        # to 120", "must be more than 0"): left out, they are refused.
        if code == "INVALID_ARGUMENT" and field and \
                re.search(r"\bis required\b|required[:,]|must be (?:1 |more than 0)", msg):
            required.append(field.split(".", 1)[1] if field.startswith(name + ".") else field)
    if route["paged"]:
        errors.append(("INVALID_ARGUMENT", f"{name}.page_size", "negative"))
        errors.append(("INVALID_ARGUMENT", f"{name}.page_token", "a token this list did not give"))

    # Numbers alone in a presence oneof may be left out (PRESENCE).
    req = sorted(dict.fromkeys(r for r in required
                               if r and r.split(".")[-1] not in OPTIONAL_NUMBERS))
    if req:
        lines += wrap("Required: " + ", ".join(req) + ".", "//   ", "//     ")
    if names:
        lines += wrap("Names (id, or the name people use): " + ", ".join(dict.fromkeys(names)) + ".",
                      "//   ", "//     ")
    if route["paged"]:
        how = "by id: page_token is the last item's id" if route["paged"] == "id" else \
              "by position: page_token is where the next page starts"
        lines += wrap(f"Paging: {how}; order: {order or 'id'}.", "//   ", "//     ")
    elif handler_paging:
        lines += wrap(f"Paging: page_token is the next_page_token of the page before; "
                      f"order: {handler_paging}.", "//   ", "//     ")
    elif name == "list_domain_events":
        lines += wrap("Paging: by cursor (after, next_cursor, more); order: commit order.",
                      "//   ", "//     ")
    elif route["streams"]:
        lines.append("//   Streams: events follow the answer (stream.proto).")
    # One line per (code, field); the messages of one field are merged.
    merged = {}
    generic = {"NOT_FOUND": "names nothing the caller may see",
               "INVALID_ARGUMENT": "malformed, or a name that fits several",
               "FAILED_PRECONDITION": "a rule of the domain (the message says which)",
               "PERMISSION_DENIED": "not the caller's to do (the message says whose)",
               "ALREADY_EXISTS": "exists already"}
    for code, field, msg in errors:
        if not msg and not field:
            continue
        msg = msg or generic.get(code, "")
        key = (code, field)
        msg = " ".join(msg.split())
        if len(msg) > 90:
            msg = msg[:87].rsplit(" ", 1)[0] + " ..."
        merged.setdefault(key, [])
        if msg and msg not in merged[key]:
            merged[key].append(msg)
    if merged:
        lines.append("//   Errors:")
        for (code, field), msgs in sorted(merged.items(),
                                           key=lambda kv: (CODE_ORDER.index(kv[0][0])
                                                           if kv[0][0] in CODE_ORDER else 99,
                                                           kv[0][1])):
            text = f"{code} {field or '(no field)'}: " + "; ".join(msgs[:4]) + \
                   ("; ..." if len(msgs) > 4 else "")
            lines += wrap(text, "//     ", "//       ")
    return lines


# ---- the .proto files ----

def request_types():
    """request name -> message name, from Request.body in envelope.proto."""
    text = open(os.path.join(PROTO, "envelope.proto"), encoding="utf-8").read()
    body = text[text.index("message Request"):text.index("message Response")]
    return {m.group(2): m.group(1) for m in re.finditer(r"^\s+(\w+Request|Hello|Ping)\s+(\w+)\s*=\s*\d+;",
                                                         body, re.M)}


def optional_numbers():
    """Fields that sit alone in a oneof named after them (PRESENCE)."""
    names = set()
    for fn in os.listdir(PROTO):
        if fn.endswith(".proto"):
            text = open(os.path.join(PROTO, fn), encoding="utf-8").read()
            names.update(re.findall(r"oneof _(\w+)\s*\{\s*\w+\s+\1\s*=", text))
    return names


OPTIONAL_NUMBERS = optional_numbers()


def rewrite(routes, funcs, srcs, check):
    types = request_types()
    by_msg = {types[r["request"]]: r for r in routes if r["request"] in types}
    stale = []
    for fn in sorted(os.listdir(PROTO)):
        if not fn.endswith(".proto"):
            continue
        path = os.path.join(PROTO, fn)
        lines = open(path, encoding="utf-8").read().split("\n")
        out = []
        for line in lines:
            m = re.match(r"message (\w+) ?\{", line)
            if m and m.group(1) in by_msg:
                # Drop the block written before, then write it anew.
                start = len(out)
                for j in range(len(out) - 1, -1, -1):
                    if out[j].startswith("// Contract (proto/contract.py"):
                        start = j
                        break
                    if not out[j].startswith("//   "):
                        break
                del out[start:]
                out += block(by_msg[m.group(1)], funcs, srcs)
            out.append(line)
        new = "\n".join(out)
        if new != "\n".join(lines):
            stale.append(fn)
            if not check:
                open(path, "w", encoding="utf-8").write(new)
    return stale


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    routes = json.loads(subprocess.run([argv[1], "routes", "--json"], check=True,
                                       capture_output=True, text=True).stdout)
    stale = rewrite(routes, sql_functions(), c_sources(), "--check" in argv)
    if "--check" in argv and stale:
        print("stale request contracts in " + ", ".join(stale) +
              ": run proto/contract.py PATH/TO/triadd", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
