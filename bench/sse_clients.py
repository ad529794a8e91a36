#!/usr/bin/env python3
"""bench/serve.sh's event-stream clients: N connections to one change stream, each
reading as a browser would. Prints "ready" once every client has its snapshot, then for
each "changes" event each client gets, one line "<event id> <receipt time, Unix s>".
Exits after every client got CHANGES change events.
  sse_clients.py HOST PORT PATH CLIENTS CHANGES"""
import asyncio
import sys
import time


async def client(host, port, path, changes, snapshot_done, out):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    buffer = b""
    seen = 0
    got_snapshot = False
    while seen < changes:
        chunk = await reader.read(65536)
        if not chunk:
            raise SystemExit("sse_clients.py: a stream ended early")
        now = time.time()
        buffer += chunk
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            lines = event.split(b"\n")
            kind = next((l[7:] for l in lines if l.startswith(b"event: ")), b"")
            if kind == b"snapshot" and not got_snapshot:
                got_snapshot = True
                snapshot_done()
            elif kind == b"changes":
                event_id = next((l[4:] for l in lines if l.startswith(b"id: ")), b"-")
                out.append((event_id.decode(), now))
                seen += 1
    writer.close()


async def main():
    host, port, path, clients, changes = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    ready = 0

    def snapshot_done():
        nonlocal ready
        ready += 1
        if ready == clients:
            print("ready", flush=True)

    out = []
    tasks = []
    for _ in range(clients):
        tasks.append(asyncio.create_task(client(host, port, path, changes, snapshot_done, out)))
        await asyncio.sleep(0)  # spread the connects a little
    await asyncio.gather(*tasks)
    for event_id, at in out:
        print(f"{event_id} {at:.6f}")


asyncio.run(main())
