"""A writer process for the reliability tests (run as a script, not collected by pytest).

batches TARGET RUN BATCHES SIZE [--naive]
    write BATCHES batches of SIZE businesses; print "begin RUN B" before and
    "commit RUN B" after each batch commits. --naive commits each business on
    its own (the wrong way: a kill leaves partial batches).
edits TARGET STREAM COUNT WORKER [--naive] [--schema S]
    make COUNT edits of one case: append one event per edit with an optimistic
    version check, retrying on ConflictError; print {"ok": n, "conflicts": c}.
    --naive instead increments a business's employee count by read-modify-write
    with no version check (the wrong way: updates get lost).
"""

import argparse
import datetime as dt
import json
import sys
import time

import attrs

import mentorkit as mk
from mentorkit.store import PostgresStore, SQLiteStore


def open_target(target: str, schema: str | None) -> SQLiteStore | PostgresStore:
    if target.startswith("postgresql://"):
        return PostgresStore(target, schema=schema or "public")
    return SQLiteStore(target)


def business(ident: str, employees: int = 0) -> mk.Business:
    return mk.Business(
        id=ident,
        name=f"Usaha {ident}",
        owner=mk.Person(name="Pemilik", nik="3674014512800001", phone="081234567890"),
        sector=mk.Sector.TRADE,
        district="Serpong",
        employees=employees,
    )


def batches(
    store: SQLiteStore | PostgresStore, run: int, count: int, size: int, naive: bool
) -> None:
    for b in range(count):
        items = [business(f"K{run}-{b}-{i}") for i in range(size)]
        print(f"begin {run} {b}", flush=True)
        if naive:
            for item in items:
                store.put_businesses([item])
        else:
            store.put_businesses(items)
        print(f"commit {run} {b}", flush=True)


def edits(
    store: SQLiteStore | PostgresStore, stream: str, count: int, worker: int, naive: bool
) -> None:
    ok = conflicts = 0
    at = dt.datetime.now(dt.UTC)
    while ok < count:
        if naive:
            current = store.get_business(stream)
            time.sleep(0.0005)  # think time between read and write, as a real service has
            store.put_businesses([attrs.evolve(current, employees=current.employees + 1)])
            ok += 1
            continue
        version = store.version(stream)
        time.sleep(0.0005)
        record = mk.EventRecord(
            stream=stream, version=version + 1, kind="note", actor=f"w{worker}", at=at,
            data={"worker": worker, "edit": ok},
        )  # fmt: skip
        try:
            store.append(stream, version, [record])
        except mk.ConflictError:
            conflicts += 1
        else:
            ok += 1
    print(json.dumps({"ok": ok, "conflicts": conflicts}), flush=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["batches", "edits"])
    parser.add_argument("target")
    parser.add_argument("name")
    parser.add_argument("count", type=int)
    parser.add_argument("extra", type=int)
    parser.add_argument("--naive", action="store_true")
    parser.add_argument("--schema")
    args = parser.parse_args(argv)
    store = open_target(args.target, args.schema)
    if args.mode == "edits":
        # Start line: every writer is connected before any of them begins.
        print("ready", flush=True)
        sys.stdin.readline()
    if args.mode == "batches":
        batches(store, int(args.name), args.count, args.extra, args.naive)
    else:
        edits(store, args.name, args.count, args.extra, args.naive)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
