#!/usr/bin/env python3
"""shop-serve probed on the raw socket as a hostile client would (issue 24), for
serve_test.sh's http part:
  http_probe.py framing PORT VIEW       request framing: Host, Transfer-Encoding, Expect,
                                        absolute-form, error bodies, /metrics names,
                                        pipelining, 431, NUL bytes, idle and slow clients
                                        (shop-serve started with --idle-timeout 2s)
  http_probe.py capacity PORT VIEW N    N event-stream clients at once against a server
                                        whose open files limit is lower: the excess gets
                                        503 at once, /healthz is still answered
  http_probe.py heads PORT VIEW N       N HEADs of the view's change stream against a
                                        server whose heartbeat is 1 ms: no byte after any
                                        header (a heartbeat due while the header was being
                                        written went out as a HEAD's body)
Prints one line per check, "ok<TAB>WHAT" or "fail<TAB>WHAT: why"; serve_test.sh counts them."""
import json
import re
import resource
import selectors
import socket
import sys
import time

PORT = 0


def report(passed, what, why=""):
    print(f"{'ok' if passed else 'fail'}\t{what}{'' if passed else ': ' + why}", flush=True)


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name):
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[0] if values else None

    def __repr__(self):
        return f"{self.status} {self.reason}"


def parse_responses(data):
    """The complete responses in `data` (Content-Length framing, as shop-serve sends)."""
    responses = []
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return responses, data
        head = data[:end].decode("latin-1").split("\r\n")
        parts = head[0].split(" ", 2)
        headers = [tuple(s.strip() for s in line.split(":", 1)) for line in head[1:] if ":" in line]
        length = next((int(v) for k, v in headers if k.lower() == "content-length"), None)
        if length is None:  # an event stream: the body runs until the end
            responses.append(Response(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, data[end + 4:]))
            return responses, b""
        if len(data) < end + 4 + length:
            return responses, data
        responses.append(Response(int(parts[1]), parts[2] if len(parts) > 2 else "", headers,
                                  data[end + 4:end + 4 + length]))
        data = data[end + 4 + length:]


def exchange(request, wait=2.0, until_responses=None, head_only=False):
    """Sends `request` (bytes), reads until the server closes, `until_responses` responses
    came, or `wait` seconds passed. Returns (responses, closed, seconds to the first answer)."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=wait)
    s.sendall(request)
    start = time.monotonic()
    data, closed, first = b"", False, None
    deadline = start + wait
    try:
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            if first is None:
                first = time.monotonic() - start
            data += chunk
            responses, _ = parse_responses(data)
            if until_responses is not None and len(responses) >= until_responses:
                break
    finally:
        s.close()
    responses, _ = parse_responses(data)
    return responses, closed, first


def expect_status(what, request, status, closed=None, wait=2.0):
    """One request, one answer with `status`; with `closed`, the server closes (True) or
    keeps (False) the connection after it."""
    responses, was_closed, _ = exchange(request, wait=wait, until_responses=None if closed else 1)
    statuses = [r.status for r in responses]
    if statuses[:1] != [status] or len(statuses) > 1:
        report(False, what, f"expected one {status}, got {statuses or 'no answer'}")
        return None
    if closed is True and not was_closed:
        report(False, what, f"{status}, but the connection stayed open")
        return None
    if closed is True and (responses[0].header("Connection") or "").lower() != "close":
        report(False, what, f"{status} and closed, but without Connection: close")
        return None
    report(True, what)
    return responses[0]


def strict_json(body):
    """The body as JSON, read as RFC 8259 says it is exchanged: strictly UTF-8."""
    return json.loads(body.decode("utf-8", errors="strict"))


def framing(view):
    host = f"127.0.0.1:{PORT}"
    # RFC 9112 section 3.2: Host is required in HTTP/1.1 and must be there once.
    expect_status("HTTP/1.1 without Host: 400", b"GET /healthz HTTP/1.1\r\n\r\n", 400, closed=True)
    expect_status("two Host headers: 400", b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, closed=True)
    expect_status("a Host with an invalid value: 400", b"GET /healthz HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400,
                  closed=True)
    expect_status("HTTP/1.0 without Host: 200", b"GET /healthz HTTP/1.0\r\n\r\n", 200, closed=True)
    expect_status("an empty Host (valid): 200", b"GET /healthz HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n", 200)
    expect_status("Host with a port and an IPv6 literal: 200",
                  b"GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n", 200)

    # RFC 9112 section 6.3: chunked not final is 400 and the connection closes; its body
    # must never be taken for the next request (request smuggling).
    for coding in (b"gzip", b"identity", b"chunked, identity"):
        what = f"Transfer-Encoding: {coding.decode()}: 400, closed, nothing after it run"
        responses, closed, _ = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                                        b"\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        statuses = [r.status for r in responses]
        report(statuses == [400] and closed, what, f"got {statuses or 'no answer'}, closed: {closed}")
    # RFC 9112 section 6.1: a coding before chunked that the server does not implement: 501.
    expect_status("Transfer-Encoding: gzip, chunked: 501, closed",
                  b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501,
                  closed=True)
    expect_status("Transfer-Encoding: chunked, chunked: 400, closed",
                  b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400,
                  closed=True)
    # RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing.
    expect_status("Transfer-Encoding in HTTP/1.0: 400, closed",
                  b"GET /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, closed=True)
    # RFC 9112 section 6.3 (3): Content-Length and Transfer-Encoding together are refused.
    for fields in (b"Content-Length: 5\r\nTransfer-Encoding: chunked", b"Transfer-Encoding: chunked\r\nContent-Length: 5",
                   b"Transfer-Encoding: gzip\r\nContent-Length: 5", b"Content-Length: 5\r\nContent-Length: 6",
                   b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"):
        expect_status(f"{fields.decode().replace(chr(13) + chr(10), ' + ')}: 400, closed",
                      b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n\r\nhello", 400, closed=True)
    expect_status("a chunked body on GET: 413, closed",
                  b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 413,
                  closed=True)

    # RFC 9110 section 10.1.1: Expect: 100-continue with the body held back is answered at once.
    for method, status in ((b"POST", 405), (b"GET", 413)):
        what = f"{method.decode()} with Expect: 100-continue, body held back: {status} within 1 s"
        responses, closed, first = exchange(method + b" /api/views/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                            b"Content-Length: 100\r\n\r\n", wait=1.0, until_responses=1)
        statuses = [r.status for r in responses]
        report(statuses == [status], what, f"got {statuses or 'no answer'} after {first}")
    responses, closed, first = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", wait=1.0,
                                        until_responses=1)
    report([r.status for r in responses] == [413], "a body announced and not sent: 413 within 1 s",
           f"got {[r.status for r in responses] or 'no answer'}")

    # RFC 9112 section 3.2.2: absolute-form is accepted; its authority wins over Host.
    expect_status("absolute-form naming this server: 200",
                  f"GET http://{host}/healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode(), 200)
    expect_status("absolute-form, another Host header (ignored): 200",
                  f"GET HTTP://{host}/api/views/{view}?x=1 HTTP/1.1\r\nHost: elsewhere\r\nConnection: close\r\n\r\n"
                  .encode(), 200)
    expect_status("absolute-form still needs Host in HTTP/1.1: 400",
                  f"GET http://{host}/healthz HTTP/1.1\r\n\r\n".encode(), 400, closed=True)
    expect_status("absolute-form with an empty host: 404",
                  b"GET http:///healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404)

    # RFC 8259 section 8.1: JSON is UTF-8; error bodies that echo the request never break it.
    for target in ("/api/views/%ff", "/api/views/%c3%28", "/api/views/%ed%a0%80", "/api/views/%f4%90%80%80x",
                   "/api/views/%e2%82", "/api/items/%ff", "/api/changes?views=%ff", "/api/views/%e2%80%a8%22%5c"):
        what = f"GET {target}: a JSON error body, valid UTF-8"
        responses, _, _ = exchange(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        try:
            if not responses or responses[0].status != 404:
                raise ValueError(f"got {responses or 'no answer'}")
            message = strict_json(responses[0].body)["error"]
            report(isinstance(message, str), what)
        except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            report(False, what, f"{error}: {responses[0].body if responses else b''!r}")

    # OpenMetrics: a counter's family is its name less _total; no two families share a name.
    responses, _, _ = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    types = re.findall(r"^# TYPE (\S+) (\S+)$", responses[0].body.decode() if responses else "", re.M)
    families = [name[:-len("_total")] if kind == "counter" else name for name, kind in types]
    clashes = sorted({f for f in families if families.count(f) > 1})
    report(types and not clashes, "/metrics: no two metric families share a name", f"{clashes or 'no metrics'}")
    report(all(name.endswith("_total") for name, kind in types if kind == "counter"), "/metrics: counters end in _total",
           f"{types}")

    # Regressions (these held before issue 24): pipelining, NUL bytes, 431, whitespace.
    responses, closed, _ = exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                                    b"GET /api/views/nope HTTP/1.1\r\nHost: x\r\n\r\n", until_responses=3)
    report([r.status for r in responses] == [200, 200, 404] and not closed,
           "three pipelined requests: three answers in order, the connection kept",
           f"got {[r.status for r in responses]}, closed: {closed}")
    expect_status("a NUL byte in a header value: 400", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400,
                  closed=True)
    expect_status("a NUL byte in a header name: 400", b"GET / HTTP/1.1\r\nHost: x\r\nX\x00A: b\r\n\r\n", 400,
                  closed=True)
    expect_status("a NUL byte in the target: 400", b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", 400, closed=True)
    expect_status("whitespace between a field name and its colon: 400 (RFC 9112 section 5.1)",
                  b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, closed=True)
    expect_status("a target over 8 KiB: 431", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431,
                  closed=True)
    expect_status("a header over 8 KiB: 431", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431,
                  closed=True)
    expect_status("HTTP/2.0 on the request line: 400", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400, closed=True)

    # Idle and slow clients (--idle-timeout 2s): many idle connections do not stop the
    # server; each is closed after the timeout, and so is one that sends its header a
    # byte at a time (slowloris).
    idle = [socket.create_connection(("127.0.0.1", PORT)) for _ in range(200)]
    start = time.monotonic()
    expect_status("200 idle connections: /healthz still answers", b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200,
                  closed=False, wait=1.0)
    slow = socket.create_connection(("127.0.0.1", PORT))
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    slow.setblocking(False)
    slow_closed = None
    while time.monotonic() - start < 5 and slow_closed is None:
        try:
            slow.send(b"a")
            if slow.recv(1) == b"":
                slow_closed = time.monotonic() - start
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError):
            slow_closed = time.monotonic() - start
        time.sleep(0.2)
    report(slow_closed is not None and slow_closed < 4, "a header sent a byte at a time: closed by the timeout",
           f"still open after {time.monotonic() - start:.1f} s")
    sel = selectors.DefaultSelector()
    for s in idle:
        sel.register(s, selectors.EVENT_READ)
    open_ones = set(idle)
    while open_ones and time.monotonic() - start < 5:
        for key, _ in sel.select(timeout=0.2):
            try:
                key.fileobj.recv(1)
            except ConnectionResetError:
                pass
            sel.unregister(key.fileobj)
            open_ones.discard(key.fileobj)
    report(not open_ones, "the 200 idle connections: closed by the timeout", f"{len(open_ones)} still open")
    for s in idle:
        s.close()


def capacity(view, clients):
    # The client side needs its own descriptors: as many as the hard limit lets it.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    responses, _, _ = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    metrics = responses[0].body.decode() if responses else ""
    match = re.search(r"^shop_serve_connections_max (\d+)$", metrics, re.M)
    report(match is not None, "/metrics: shop_serve_connections_max", "missing")
    limit = int(match.group(1)) if match else 0
    report(0 < limit < clients, f"--max-connections from the open files limit: {limit}, under {clients} clients",
           f"{limit}")

    request = f"GET /api/views/{view}/changes HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    sockets, answers, data = [], {}, {}
    start = time.monotonic()
    for _ in range(clients):
        try:
            s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
            s.sendall(request)
        except OSError as error:
            report(False, f"{clients} stream clients connect", str(error))
            return
        s.setblocking(False)
        sockets.append(s)
        data[s] = b""
        sel.register(s, selectors.EVENT_READ)
    closed_503 = set()
    while len(answers) < clients and time.monotonic() - start < 8:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except (BlockingIOError, ConnectionResetError):
                chunk = b""
            data[s] += chunk
            if s not in answers and b"\r\n\r\n" in data[s]:
                responses, _ = parse_responses(data[s])
                answers[s] = responses[0]
            if not chunk:
                sel.unregister(s)
                if s in answers and answers[s].status == 503:
                    closed_503.add(s)
    elapsed = time.monotonic() - start
    statuses = [a.status for a in answers.values()]
    report(len(answers) == clients, f"{clients} stream clients: every one answered, in {elapsed:.1f} s",
           f"{clients - len(answers)} got no answer")
    report(statuses.count(200) == limit, f"{limit} streams served (200)", f"{statuses.count(200)}")
    report(statuses.count(503) == clients - limit, f"the other {clients - limit}: 503 Service Unavailable",
           f"{statuses.count(503)}; statuses: {sorted(set(statuses))}")
    refusals = [a for a in answers.values() if a.status == 503]
    report(refusals and all((a.header("Connection") or "").lower() == "close" and a.header("Retry-After")
                            for a in refusals), "... each with Connection: close and Retry-After",
           f"{refusals[0].headers if refusals else 'none'}")
    deadline = time.monotonic() + 2
    while len(closed_503) < len(refusals) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except (BlockingIOError, ConnectionResetError):
                chunk = b""
            if not chunk:
                sel.unregister(s)
                if answers.get(s) is not None and answers[s].status == 503:
                    closed_503.add(s)
    report(len(closed_503) == len(refusals), "... and the connection closed", f"{len(refusals) - len(closed_503)} open")
    # The streams are at the cap: /healthz and /metrics are still answered.
    for path in ("/healthz", "/metrics"):
        responses, closed, first = exchange(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), wait=2.0,
                                            until_responses=1)
        report([r.status for r in responses] == [200], f"at the cap, {path}: 200",
               f"got {[r.status for r in responses] or 'no answer'}")
        if path == "/metrics" and responses:
            gauge = re.search(r"^shop_serve_connections (\d+)$", responses[0].body.decode(), re.M)
            report(gauge is not None and int(gauge.group(1)) == limit, f"at the cap, shop_serve_connections {limit}",
                   f"{gauge.group(0) if gauge else 'missing'}")
    expect_status("at the cap, /api/views: 503", f"GET /api/views/{view} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 503,
                  closed=True)
    # Once the streams go, the server serves again.
    for s in sockets:
        s.close()
    deadline = time.monotonic() + 5
    status = None
    while time.monotonic() < deadline:
        responses, _, _ = exchange(request, wait=1.0, until_responses=1)
        status = responses[0].status if responses else None
        if status == 200:
            break
        time.sleep(0.1)
    report(status == 200, "the streams gone: a new stream is served", f"got {status}")


def heads(view, count):
    request = f"HEAD /api/views/{view}/changes HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with_a_body, statuses, first = 0, set(), b""
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
            s.sendall(request)
            reply = b""
            while chunk := s.recv(65536):  # the server closes after the header
                reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        statuses.add(head.split(b"\r\n")[0].decode())
        if body:
            with_a_body += 1
            first = first or body
    report(statuses == {"HTTP/1.1 200 OK"}, f"{count} HEADs of a change stream: 200", f"{sorted(statuses)}")
    report(with_a_body == 0, "... each the header alone, then the end (heartbeat 1 ms)",
           f"{with_a_body} with a body, the first {first!r}")


def main():
    global PORT
    command, PORT, view = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if command == "framing":
        framing(view)
    elif command == "capacity":
        capacity(view, int(sys.argv[4]))
    elif command == "heads":
        heads(view, int(sys.argv[4]))
    else:
        sys.exit(f"http_probe.py: unknown command {command}")


if __name__ == "__main__":
    main()
