#!/usr/bin/env python3
"""Reads a text/event-stream capture (curl -N) the way a browser does
(html.spec.whatwg.org/multipage/server-sent-events.html, "Parsing an event stream"), for
serve_test.sh:
  sse.py events FILE     one line per event: TYPE<TAB>ID ('-' when none)
  sse.py changes FILE    one line per change of every "changes" event: DIFF<TAB>ROW (JSON)
  sse.py last-id FILE    the last event id the browser would send back as Last-Event-ID
  sse.py state FILE      the rows the snapshot and the changes add up to, one per line,
                         values tab-separated, sorted; "NEGATIVE ..." for a row removed
                         more often than it was there
  sse.py view-state FILE...  the same per view ("VIEW<TAB>values"), the files' events
                         taken in order, as one browser gets them across its reconnects
                         (a snapshot replaces its own view's rows only)
  sse.py kinds FILE      one line per snapshot or changes event: TYPE<TAB>VIEW
  sse.py check-ids FILE...   each event id after the one before, across the files in
                         order (event_stream.hpp: no view's sequence goes down or leaves,
                         one goes up or joins); prints each that is not, nothing if all are
  sse.py take PORT PATH N [LAST_EVENT_ID]   GET PATH from 127.0.0.1:PORT and write the
                         stream's body to stdout up to the end of its N-th event with an
                         id, then disconnect (status 1 if they do not come within 10 s)
Only complete events (ended by an empty line) count, as in a browser."""
import json
import socket
import sys
import time


def parse(path):
    events = []
    event = {"type": "message", "id": None, "data": []}
    with open(path, encoding="utf-8", newline="") as capture:
        text = capture.read()
    # Lines end at CRLF, LF or CR; the last line may be incomplete (the stream goes on).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:-1]
    for line in lines:
        if line == "":
            if event["data"]:
                events.append({"type": event["type"], "id": event["id"], "data": "\n".join(event["data"])})
            event = {"type": "message", "id": None, "data": []}
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "event":
            event["type"] = value
        elif field == "data":
            event["data"].append(value)
        elif field == "id":
            event["id"] = value
    return events


def positions(event_id):
    """An event id as {view: sequence} ({"": N} for the single-view form), and its generation."""
    generation, _, rest = event_id.partition("-")
    out = {}
    for entry in rest.split(","):
        view, colon, sequence = entry.rpartition(":")
        out[view if colon else ""] = int(sequence)
    return generation, out


def rises(previous, following):
    (gen_a, before), (gen_b, after) = positions(previous), positions(following)
    if gen_a != gen_b:
        return False
    if any(view not in after or after[view] < sequence for view, sequence in before.items()):
        return False
    return any(after[view] > sequence for view, sequence in before.items()) or len(after) > len(before)


def take(port, path, count, last_id):
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if last_id:
        request += f"Last-Event-ID: {last_id}\r\n"
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall((request + "\r\n").encode())
    deadline = time.monotonic() + 10
    received = b""
    body_at = -1
    while time.monotonic() < deadline:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
        if body_at < 0:
            head_end = received.find(b"\r\n\r\n")
            if head_end < 0:
                continue
            body_at = head_end + 4
        # Events end at an empty line; count those with an id (the stream uses LF only).
        body = received[body_at:]
        seen = 0
        end = 0
        for block_end in (i + 2 for i in range(len(body) - 1) if body[i:i + 2] == b"\n\n"):
            block = body[end:block_end]
            end = block_end
            if block.startswith(b"id: ") or b"\nid: " in block:
                seen += 1
                if seen == count:
                    sys.stdout.buffer.write(body[:block_end])
                    connection.close()
                    return 0
    sys.stdout.buffer.write(received[body_at:] if body_at >= 0 else b"")
    return 1


def main():
    command = sys.argv[1]
    if command == "take":
        sys.exit(take(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else ""))
    if command in ("view-state", "check-ids"):
        events = [event for path in sys.argv[2:] for event in parse(path)]
        if command == "check-ids":
            ids = [event["id"] for event in events if event["id"]]
            for previous, following in zip(ids, ids[1:]):
                if not rises(previous, following):
                    print(f"{previous} then {following}")
            return
        views = {}
        for event in events:
            if event["type"] not in ("snapshot", "changes"):
                continue
            data = json.loads(event["data"])
            counts = views.setdefault(data["view"], {})
            if event["type"] == "snapshot":
                counts.clear()
                for row in data["rows"]:
                    key = "\t".join(str(v) for v in row.values())
                    counts[key] = counts.get(key, 0) + 1
            else:
                for change in data["changes"]:
                    key = "\t".join(str(v) for v in change["row"].values())
                    counts[key] = counts.get(key, 0) + change["diff"]
        out = []
        for view, counts in views.items():
            for key, count in counts.items():
                if count < 0:
                    out.append(f"NEGATIVE {view}\t{key}")
                out.extend([f"{view}\t{key}"] * max(count, 0))
        for line in sorted(out):
            print(line)
        return
    path = sys.argv[2]
    events = parse(path)
    if command == "kinds":
        for event in events:
            if event["type"] in ("snapshot", "changes"):
                print(f"{event['type']}\t{json.loads(event['data'])['view']}")
        return
    if command == "events":
        for event in events:
            print(f"{event['type']}\t{event['id'] or '-'}")
    elif command == "changes":
        for event in events:
            if event["type"] == "changes":
                for change in json.loads(event["data"])["changes"]:
                    print(f"{change['diff']}\t{json.dumps(change['row'])}")
    elif command == "last-id":
        ids = [event["id"] for event in events if event["id"]]
        print(ids[-1] if ids else "")
    elif command == "state":
        counts = {}
        for event in events:
            data = json.loads(event["data"])
            if event["type"] == "snapshot":
                counts = {}
                for row in data["rows"]:
                    key = "\t".join(str(v) for v in row.values())
                    counts[key] = counts.get(key, 0) + 1
            elif event["type"] == "changes":
                for change in data["changes"]:
                    key = "\t".join(str(v) for v in change["row"].values())
                    counts[key] = counts.get(key, 0) + change["diff"]
        out = []
        for key, count in counts.items():
            if count < 0:
                out.append("NEGATIVE " + key)
            out.extend([key] * max(count, 0))
        for line in sorted(out):
            print(line)
    else:
        sys.exit(f"sse.py: unknown command {command}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # | head -n 1
        sys.stderr.close()
