#!/usr/bin/env python3
"""A fault-injecting proxy in front of a Docker Engine API unix socket, for engine_faults_test.sh.

It forwards every request to the upstream socket unchanged, except those a rule selects, which get
a fault instead. A rule is MODE:REQUEST_REGEX[:EXEC_CMD_REGEX]:
  REQUEST_REGEX   matched (re.search) against "METHOD /path?query" of the request line
  EXEC_CMD_REGEX  optional: only /exec/{id}/... requests of exec instances whose create body (the
                  command) matched it
Modes:
  500         answer 500 {"message": "injected fault"}
  drop        close the connection without an answer
  drop-all    like drop, and drop every later connection too (an engine that went away)
  stall       answer nothing and keep the connection open (until the client gives up)
  cut-body    forward, then pass on the answer's head and only half of its body
  cut-frame   forward, then pass on an exec stream without the last 3 bytes (mid-frame)
  big-frame   forward, then send a frame header announcing 2 GiB instead of the stream
  exit-null   forward, then answer an exec inspect with "Running": true, "ExitCode": null
A rule fires at most --count times (0 = always); each firing is logged to stderr.
"""
import argparse
import json
import os
import re
import socket
import socketserver
import sys
import threading
import time

HEAD_LIMIT = 1 << 20


class Rule:
    def __init__(self, spec, count):
        parts = spec.split(":", 2)
        if len(parts) < 2:
            raise SystemExit("rule '%s': expected MODE:REQUEST_REGEX[:EXEC_CMD_REGEX]" % spec)
        self.mode, self.request = parts[0], re.compile(parts[1])
        self.exec_cmd = re.compile(parts[2]) if len(parts) == 3 and parts[2] else None
        self.left = count if count > 0 else -1


class State:
    rules = []
    upstream = "/var/run/docker.sock"
    lock = threading.Lock()
    dropping = False
    exec_ids = {}  # exec id -> command text (only while some rule filters on commands)


def log(msg):
    sys.stderr.write("fault-proxy: %s\n" % msg)
    sys.stderr.flush()


def read_head(sock, buf=b""):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
        if len(buf) > HEAD_LIMIT:
            return None, buf
    i = buf.index(b"\r\n\r\n") + 4
    return buf[:i], buf[i:]


def header(head, name):
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower():
            return v.strip().decode("latin-1")
    return None


def read_exact_body(sock, head, rest):
    """A request body with Content-Length (small JSON bodies: exec create)."""
    n = int(header(head, b"content-length") or 0)
    while len(rest) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return rest


def with_connection_close(head):
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"connection:")]
    lines.insert(1, b"Connection: close")
    return b"\r\n".join(lines)


def upstream_exchange(head, body):
    """Sends one request upstream with Connection: close; returns the answer's head and raw body."""
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    up.connect(State.upstream)
    up.sendall(with_connection_close(head) + body)
    rhead, data = read_head(up)
    while True:
        chunk = up.recv(65536)
        if not chunk:
            break
        data += chunk
    up.close()
    return rhead or b"", data


def dechunk(head, data):
    if (header(head, b"transfer-encoding") or "").lower() != "chunked":
        return data
    out, i = b"", 0
    while i < len(data):
        j = data.index(b"\r\n", i)
        size = int(data[i:j].split(b";")[0], 16)
        if size == 0:
            break
        out += data[j + 2:j + 2 + size]
        i = j + 2 + size + 2
    return out


def respond(sock, status, body, ctype="application/json"):
    sock.sendall(b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                 % (status, ctype.encode(), len(body), body))


def relay(client, head, rest):
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    up.connect(State.upstream)
    up.sendall(head + rest)

    def pump(src, dst):
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
        except OSError:
            pass
        for s in (dst, src):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    t = threading.Thread(target=pump, args=(up, client), daemon=True)
    t.start()
    pump(client, up)
    t.join()
    up.close()


EXEC_ID = re.compile(r"/exec/([0-9a-zA-Z]+)/")
EXEC_CREATE = re.compile(r"^POST /v[0-9.]+/containers/[^/]+/exec$")


def pick_rule(line):
    m = EXEC_ID.search(line)
    with State.lock:
        for r in State.rules:
            if r.left == 0 or not r.request.search(line):
                continue
            if r.exec_cmd is not None:
                cmd = State.exec_ids.get(m.group(1)) if m else None
                if cmd is None or not r.exec_cmd.search(cmd):
                    continue
            if r.left > 0:
                r.left -= 1
            return r
    return None


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        if State.dropping:
            return
        head, rest = read_head(c)
        if head is None:
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        line = line.rsplit(" ", 1)[0]  # without " HTTP/1.1"
        if EXEC_CREATE.match(line.split("?", 1)[0]) and any(r.exec_cmd for r in State.rules):
            # Learn which exec id runs which command, then pass the answer on unchanged.
            body = read_exact_body(c, head, rest)
            rhead, data = upstream_exchange(head, body)
            try:
                exec_id = json.loads(dechunk(rhead, data))["Id"]
                with State.lock:
                    State.exec_ids[exec_id] = body.decode("utf-8", "replace")
            except (ValueError, KeyError, TypeError):
                pass
            c.sendall(rhead + data)
            return
        rule = pick_rule(line)
        if rule is None:
            relay(c, head, rest)
            return
        log("%s on %s" % (rule.mode, line))
        if rule.mode == "500":
            respond(c, 500, b'{"message":"injected fault"}')
        elif rule.mode == "drop":
            pass
        elif rule.mode == "drop-all":
            State.dropping = True
        elif rule.mode == "stall":
            c.settimeout(600)
            try:
                while c.recv(65536):
                    pass
            except OSError:
                pass
        elif rule.mode in ("cut-body", "cut-frame", "big-frame", "exit-null"):
            body = read_exact_body(c, head, rest)
            rhead, data = upstream_exchange(head, body)
            if rule.mode == "cut-body":
                c.sendall(rhead + data[: len(data) // 2])
            elif rule.mode == "cut-frame":
                c.sendall(rhead + data[:-3] if len(data) > 8 else rhead + data[:4])
            elif rule.mode == "big-frame":
                c.sendall(rhead + b"\x01\x00\x00\x00\x7f\xff\xff\xff" + b"x" * 16)
            else:
                try:
                    reply = json.loads(dechunk(rhead, data))
                except ValueError:
                    reply = {}
                reply["Running"] = True
                reply["ExitCode"] = None
                respond(c, 200, json.dumps(reply).encode())
        else:
            log("unknown mode %s" % rule.mode)


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--upstream", default="/var/run/docker.sock")
    ap.add_argument("--rule", action="append", default=[])
    ap.add_argument("--count", type=int, default=0)
    a = ap.parse_args()
    State.upstream = a.upstream
    State.rules = [Rule(r, a.count) for r in a.rule]
    if os.path.exists(a.listen):
        os.unlink(a.listen)
    srv = Server(a.listen, Handler)
    log("listening on %s, rules: %s" % (a.listen, ", ".join(a.rule) or "none"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
