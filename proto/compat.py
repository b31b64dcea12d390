#!/usr/bin/python3
"""Checks that today's .proto files keep the wire contract of a released one.

    proto/compat.py check RELEASED.binpb CURRENT.binpb
    proto/compat.py descriptor OUT.binpb [PROTO_DIR]

Both files are FileDescriptorSets, as `protoc --include_imports
--descriptor_set_out` writes them (`descriptor` runs that for the tree's
proto/triad/v1/*.proto). `check` fails, naming each break, when since the
release:

  - a field of a message kept its name and changed its number, or kept its
    number and changed its type (scalar type, message or enum type, or
    repeated-ness);
  - a field was removed without its number being reserved;
  - a request or response kind (a field of the `body` oneof of
    triad.v1.Request or triad.v1.Response) was removed, reserved or not:
    partners call it;
  - a message or an enum that was released is gone;
  - an enum value was renumbered, or removed without being reserved.

Additions (fields, messages, values, kinds) are compatible and not reported.
The released set is proto/released/triad-v1.binpb; a release replaces it
with `descriptor`.
"""
import glob
import os
import subprocess
import sys

from google.protobuf import descriptor_pb2

FDP = descriptor_pb2.FieldDescriptorProto
KIND_MESSAGES = ("triad.v1.Request", "triad.v1.Response")


def load(path):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    messages, enums = {}, {}

    def walk_message(prefix, m):
        name = f"{prefix}.{m.name}"
        messages[name] = m
        for n in m.nested_type:
            walk_message(name, n)
        for e in m.enum_type:
            enums[f"{name}.{e.name}"] = e

    for fd in fds.file:
        if not fd.package.startswith("triad."):
            continue
        for m in fd.message_type:
            walk_message(fd.package, m)
        for e in fd.enum_type:
            enums[f"{fd.package}.{e.name}"] = e
    return messages, enums


def field_type(f):
    label = "repeated " if f.label == FDP.LABEL_REPEATED else ""
    if f.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM):
        return label + f.type_name.lstrip(".")
    return label + FDP.Type.Name(f.type)[len("TYPE_"):].lower()


def reserved(ranges, number):
    # DescriptorProto.ReservedRange ends are exclusive; EnumReservedRange's inclusive.
    return any(r.start <= number < r.end for r in ranges)


def check_message(name, old, new, errors):
    new_by_number = {f.number: f for f in new.field}
    new_by_name = {f.name: f for f in new.field}
    for f in old.field:
        where = f"{name}.{f.name} = {f.number}"
        n = new_by_number.get(f.number)
        if n is None:
            moved = new_by_name.get(f.name)
            if moved is not None:
                errors.append(f"{where}: renumbered to {moved.number}")
            elif name in KIND_MESSAGES and f.HasField("oneof_index"):
                errors.append(f"{where}: request kind removed (partners call it)")
            elif not reserved(new.reserved_range, f.number):
                errors.append(f"{where}: removed without `reserved {f.number};`")
            continue
        if field_type(n) != field_type(f):
            errors.append(f"{where}: type changed from {field_type(f)} to {field_type(n)}")
        if n.name != f.name and f.name in new_by_name:
            errors.append(f"{where}: renumbered to {new_by_name[f.name].number}")


def check_enum(name, old, new, errors):
    new_by_number = {v.number: v for v in new.value}
    new_by_name = {v.name: v for v in new.value}
    for v in old.value:
        where = f"{name}.{v.name} = {v.number}"
        if v.number in new_by_number:
            continue
        if v.name in new_by_name:
            errors.append(f"{where}: renumbered to {new_by_name[v.name].number}")
        elif not any(r.start <= v.number <= r.end for r in new.reserved_range):
            errors.append(f"{where}: removed without `reserved {v.number};`")


def check(released, current):
    old_messages, old_enums = load(released)
    new_messages, new_enums = load(current)
    errors = []
    for name, m in sorted(old_messages.items()):
        if name not in new_messages:
            errors.append(f"message {name}: removed")
        else:
            check_message(name, m, new_messages[name], errors)
    for name, e in sorted(old_enums.items()):
        if name not in new_enums:
            errors.append(f"enum {name}: removed")
        else:
            check_enum(name, e, new_enums[name], errors)
    return errors


def descriptor(out, proto_dir):
    files = sorted(glob.glob(os.path.join(proto_dir, "triad", "v1", "*.proto")))
    subprocess.run(["protoc", f"-I{proto_dir}", "--include_imports",
                    f"--descriptor_set_out={out}", *files], check=True)


def main(argv):
    if len(argv) == 4 and argv[1] == "check":
        errors = check(argv[2], argv[3])
        for e in errors:
            print(f"incompatible: {e}")
        if errors:
            print(f"{len(errors)} break(s) of the released contract {argv[2]}")
            return 1
        print(f"compatible with {argv[2]}")
        return 0
    if len(argv) in (3, 4) and argv[1] == "descriptor":
        here = os.path.dirname(os.path.abspath(__file__))
        descriptor(argv[2], argv[3] if len(argv) == 4 else here)
        return 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
