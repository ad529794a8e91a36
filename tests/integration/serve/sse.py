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
Only complete events (ended by an empty line) count, as in a browser."""
import json
import sys


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


def main():
    command, path = sys.argv[1], sys.argv[2]
    events = parse(path)
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
