#!/usr/bin/python3
"""Interop peer: a pyzmq (Debian python3-zmq, libzmq 4.3.x) process driven by
line commands on stdin, one reply line per command on stdout.

Run with /usr/bin/python3 (the system python that has zmq):

    /usr/bin/python3 peers/peer.py [--timeout SECONDS]

It prints `ready pyzmq <libzmq version>` once, then answers commands in order:

    open NAME TYPE bind|connect ENDPOINT [opt=value ...] -> ok RESOLVED-ENDPOINT
    connect NAME ENDPOINT     (one more connect on a socket) -> ok
    close NAME                                           -> ok
    send NAME FRAME...        (hex; "-" is an empty frame) -> ok
    sendseq NAME COUNT        (messages seq(0..COUNT-1))   -> ok COUNT
    sendrand NAME SIZE...     (one frame of random bytes per SIZE) -> ok DIGEST...
    recv NAME                 (one message)              -> ok DIGEST...
    recvhex NAME              (one message)              -> ok FRAME... (hex, "-" empty)
    recvseq NAME COUNT        (checks seq(0..COUNT-1))   -> ok COUNT
    echo NAME COUNT [SUFFIX]  (receives COUNT messages, sends each back,
                               with the hex frame SUFFIX appended if given) -> ok COUNT
    subscribe NAME TOPIC...   (SUB: ZMQ_SUBSCRIBE each hex topic, "-" is "") -> ok
    unsubscribe NAME TOPIC... (SUB: ZMQ_UNSUBSCRIBE each topic) -> ok
    sendeach NAME FRAME...    (each frame as a message of its own) -> ok COUNT
    recvfirst NAME COUNT      (COUNT messages) -> ok FIRST-FRAME... (hex, "-" empty)
    keypair                   (zmq.curve_keypair())      -> ok PUBLIC SECRET (Z85)
    zap [KEY...]              (binds a ZAP handler at inproc://zeromq.zap.01:
                               CURVE clients with a listed Z85 key get 200,
                               everyone else 400)       -> ok
    zapreqs                   (the requests answered so far) -> ok REQUEST...
                               (each: domain,address,identity,mechanism,credential...
                               in hex, "-" empty)
    nextevent NAME EVENT      (the next event of that type, zeromq.js's name, on a
                               socket opened with monitor=1) -> ok DETAIL
                               (the ZAP status, the ERR_* protocol code or the
                               errno name; empty for other events)
    quit                                                 -> bye, then exit

TYPE is PAIR, PUSH, PULL, REQ, REP, DEALER, ROUTER, PUB, SUB, XPUB or XSUB.
Options are integers (linger, rcvtimeo, sndtimeo, reconnect_ivl, sndhwm, rcvhwm,
and the 0/1 flags probe_router, router_mandatory, router_handover,
req_correlate, req_relaxed, xpub_verbose, curve_server, monitor),
hex bytes (routing_id; connect_routing_id, set just before connect),
or Z85 text (curve_publickey, curve_secretkey, curve_serverkey).

A DIGEST is `LENGTH:SHA256HEX` of one frame. seq(i) is the two frames
[ascii decimal i, (i % 64) bytes of value i & 0xff]. Failures answer
`err <text>`. The process exits when stdin closes, on `quit`, or after the
hard timeout, whichever comes first; sockets use linger 0 and 20 s send and
receive timeouts so that no command blocks forever.
"""
import errno
import hashlib
import os
import queue
import sys
import threading

import zmq
from zmq.utils import z85

TYPES = {
    "PAIR": zmq.PAIR,
    "PUSH": zmq.PUSH,
    "PULL": zmq.PULL,
    "REQ": zmq.REQ,
    "REP": zmq.REP,
    "DEALER": zmq.DEALER,
    "ROUTER": zmq.ROUTER,
    "PUB": zmq.PUB,
    "SUB": zmq.SUB,
    "XPUB": zmq.XPUB,
    "XSUB": zmq.XSUB,
}
OPTIONS = {
    "linger": zmq.LINGER,
    "rcvtimeo": zmq.RCVTIMEO,
    "sndtimeo": zmq.SNDTIMEO,
    "reconnect_ivl": zmq.RECONNECT_IVL,
    "sndhwm": zmq.SNDHWM,
    "rcvhwm": zmq.RCVHWM,
    "probe_router": zmq.PROBE_ROUTER,
    "router_mandatory": zmq.ROUTER_MANDATORY,
    "router_handover": zmq.ROUTER_HANDOVER,
    "req_correlate": zmq.REQ_CORRELATE,
    "req_relaxed": zmq.REQ_RELAXED,
    "xpub_verbose": zmq.XPUB_VERBOSE,
    "curve_server": zmq.CURVE_SERVER,
}
BYTES_OPTIONS = {"routing_id": zmq.ROUTING_ID, "connect_routing_id": zmq.CONNECT_ROUTING_ID}
TEXT_OPTIONS = {
    "curve_publickey": zmq.CURVE_PUBLICKEY,
    "curve_secretkey": zmq.CURVE_SECRETKEY,
    "curve_serverkey": zmq.CURVE_SERVERKEY,
}
# libzmq's monitor events by zeromq.js's names.
EVENTS = {
    0x0001: "connect",
    0x0002: "connect:delay",
    0x0004: "connect:retry",
    0x0008: "bind",
    0x0010: "bind:error",
    0x0020: "accept",
    0x0040: "accept:error",
    0x0080: "close",
    0x0100: "close:error",
    0x0200: "disconnect",
    0x0400: "end",
    0x0800: "handshake:error:other",
    0x1000: "handshake",
    0x2000: "handshake:error:protocol",
    0x4000: "handshake:error:auth",
}
PROTOCOL_ERRORS = {
    0x10000000: "ZMTP_UNSPECIFIED",
    0x10000001: "ZMTP_UNEXPECTED_COMMAND",
    0x10000002: "ZMTP_INVALID_SEQUENCE",
    0x10000003: "ZMTP_KEY_EXCHANGE",
    0x10000011: "ZMTP_MALFORMED_COMMAND_UNSPECIFIED",
    0x10000012: "ZMTP_MALFORMED_COMMAND_MESSAGE",
    0x10000013: "ZMTP_MALFORMED_COMMAND_HELLO",
    0x10000014: "ZMTP_MALFORMED_COMMAND_INITIATE",
    0x10000015: "ZMTP_MALFORMED_COMMAND_ERROR",
    0x10000016: "ZMTP_MALFORMED_COMMAND_READY",
    0x10000017: "ZMTP_MALFORMED_COMMAND_WELCOME",
    0x10000018: "ZMTP_INVALID_METADATA",
    0x11000001: "ZMTP_CRYPTOGRAPHIC",
    0x11000002: "ZMTP_MECHANISM_MISMATCH",
    0x20000000: "ZAP_UNSPECIFIED",
    0x20000001: "ZAP_MALFORMED_REPLY",
    0x20000002: "ZAP_BAD_REQUEST_ID",
    0x20000003: "ZAP_BAD_VERSION",
    0x20000004: "ZAP_INVALID_STATUS_CODE",
    0x20000005: "ZAP_INVALID_METADATA",
}
ZAP_ENDPOINT = "inproc://zeromq.zap.01"


def digest(frame):
    return "%d:%s" % (len(frame), hashlib.sha256(frame).hexdigest())


def hexframes(frames):
    return " ".join(f.hex() if f else "-" for f in frames)


def seq(i):
    return [str(i).encode(), bytes([i & 0xFF]) * (i % 64)]


def event_detail(kind, value):
    if kind == "handshake:error:auth":
        return str(value)
    if kind == "handshake:error:protocol":
        return "ERR_" + PROTOCOL_ERRORS.get(value, "UNKNOWN")
    if kind == "handshake:error:other":
        return errno.errorcode.get(value, str(value))
    return ""


class Monitor:
    """A socket's monitor events, kept by type until nextevent takes them."""

    def __init__(self, ctx, s):
        endpoint = "inproc://monitor-%x" % id(s)
        s.monitor(endpoint, zmq.EVENT_ALL)
        self.pair = ctx.socket(zmq.PAIR)
        self.pair.setsockopt(zmq.LINGER, 0)
        self.pair.setsockopt(zmq.RCVTIMEO, 20000)
        self.pair.connect(endpoint)
        self.queued = {}

    def next(self, kind):
        while not self.queued.get(kind):
            # Frame 1: uint16 event + uint32 value, host order; frame 2: the endpoint.
            head = self.pair.recv_multipart()[0]
            number = int.from_bytes(head[:2], sys.byteorder)
            value = int.from_bytes(head[2:6], sys.byteorder)
            name = EVENTS.get(number, "unknown")
            self.queued.setdefault(name, []).append(event_detail(name, value))
        return self.queued[kind].pop(0)

    def close(self, s):
        try:
            s.disable_monitor()
        except zmq.ZMQError:
            pass
        self.pair.close(0)


class ZapHandler:
    """A ROUTER at inproc://zeromq.zap.01, answered in a thread of its own."""

    def __init__(self, ctx, allowed):
        self.allowed = set(allowed)
        self.requests = []
        self.router = ctx.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.bind(ZAP_ENDPOINT)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            # [routing id, "", "1.0", request id, domain, address, identity, mechanism, credentials...]
            frames = self.router.recv_multipart()
            route, version, request_id = frames[0], frames[2], frames[3]
            mechanism, credentials = frames[7], frames[8:]
            self.requests.append(",".join(f.hex() if f else "-" for f in frames[4:]))
            try:
                key = z85.encode(credentials[0]).decode() if len(credentials) == 1 and len(credentials[0]) == 32 else None
                ok = mechanism == b"CURVE" and key in self.allowed
                status = [b"200", b"OK"] if ok else [b"400", b"Denied"]
            except Exception:  # noqa: BLE001 - a handler fault is ZAP's 500, never a stalled handshake
                status = [b"500", b"Internal error"]
            self.router.send_multipart([route, b"", version, request_id] + status + [b"", b""])


class Peer:
    def __init__(self):
        self.ctx = zmq.Context()
        self.sockets = {}
        self.monitors = {}
        self.zap = None

    def socket(self, name):
        if name not in self.sockets:
            raise KeyError("no socket named %r" % name)
        return self.sockets[name]

    def handle(self, words):
        cmd, args = words[0], words[1:]
        if cmd == "open":
            name, kind, mode, endpoint = args[:4]
            s = self.ctx.socket(TYPES[kind])
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.RCVTIMEO, 20000)
            s.setsockopt(zmq.SNDTIMEO, 20000)
            for opt in args[4:]:
                key, value = opt.split("=", 1)
                if key == "monitor":
                    # Before the bind or connect, so that no event is missed.
                    if int(value):
                        self.monitors[name] = Monitor(self.ctx, s)
                elif key in BYTES_OPTIONS:
                    s.setsockopt(BYTES_OPTIONS[key], bytes.fromhex(value))
                elif key in TEXT_OPTIONS:
                    s.setsockopt(TEXT_OPTIONS[key], value.encode())
                else:
                    s.setsockopt(OPTIONS[key], int(value))
            if mode == "bind":
                s.bind(endpoint)
                endpoint = s.getsockopt(zmq.LAST_ENDPOINT).decode()
            else:
                s.connect(endpoint)
            self.sockets[name] = s
            return "ok " + endpoint
        if cmd == "connect":
            self.socket(args[0]).connect(args[1])
            return "ok"
        if cmd == "close":
            s = self.sockets.pop(args[0])
            if args[0] in self.monitors:
                self.monitors.pop(args[0]).close(s)
            s.close(0)
            return "ok"
        if cmd == "send":
            frames = [b"" if f == "-" else bytes.fromhex(f) for f in args[1:]]
            self.socket(args[0]).send_multipart(frames)
            return "ok"
        if cmd == "sendseq":
            s, count = self.socket(args[0]), int(args[1])
            for i in range(count):
                s.send_multipart(seq(i))
            return "ok %d" % count
        if cmd == "sendrand":
            frames = [os.urandom(int(n)) for n in args[1:]]
            self.socket(args[0]).send_multipart(frames)
            return "ok " + " ".join(digest(f) for f in frames)
        if cmd == "recv":
            frames = self.socket(args[0]).recv_multipart()
            return "ok " + " ".join(digest(f) for f in frames)
        if cmd == "recvhex":
            return "ok " + hexframes(self.socket(args[0]).recv_multipart())
        if cmd == "recvseq":
            s, count = self.socket(args[0]), int(args[1])
            for i in range(count):
                try:
                    got = s.recv_multipart()
                except zmq.Again:
                    return "err timeout after %d of %d messages" % (i, count)
                if got != seq(i):
                    return "err message %d of %d is %r" % (i, count, [f[:16] for f in got])
            return "ok %d" % count
        if cmd == "echo":
            s, count = self.socket(args[0]), int(args[1])
            suffix = [b"" if args[2] == "-" else bytes.fromhex(args[2])] if len(args) > 2 else []
            for _ in range(count):
                s.send_multipart(s.recv_multipart() + suffix)
            return "ok %d" % count
        if cmd in ("subscribe", "unsubscribe"):
            option = zmq.SUBSCRIBE if cmd == "subscribe" else zmq.UNSUBSCRIBE
            s = self.socket(args[0])
            for t in args[1:] or ["-"]:
                s.setsockopt(option, b"" if t == "-" else bytes.fromhex(t))
            return "ok"
        if cmd == "sendeach":
            s = self.socket(args[0])
            for f in args[1:]:
                s.send(b"" if f == "-" else bytes.fromhex(f))
            return "ok %d" % (len(args) - 1)
        if cmd == "recvfirst":
            s, count = self.socket(args[0]), int(args[1])
            return "ok " + hexframes([s.recv_multipart()[0] for _ in range(count)])
        if cmd == "keypair":
            public, secret = zmq.curve_keypair()
            return "ok %s %s" % (public.decode(), secret.decode())
        if cmd == "zap":
            if self.zap is not None:
                raise ValueError("a ZAP handler is already bound")
            self.zap = ZapHandler(self.ctx, args)
            return "ok"
        if cmd == "zapreqs":
            return "ok " + " ".join(list(self.zap.requests) if self.zap else [])
        if cmd == "nextevent":
            if args[0] not in self.monitors:
                raise KeyError("socket %r was not opened with monitor=1" % args[0])
            return "ok " + self.monitors[args[0]].next(args[1])
        raise ValueError("unknown command %r" % cmd)


def main():
    timeout = 60.0
    if len(sys.argv) >= 3 and sys.argv[1] == "--timeout":
        timeout = float(sys.argv[2])
    # The hard timeout: nothing may keep this process alive past it.
    killer = threading.Timer(timeout, lambda: os._exit(3))
    killer.daemon = True
    killer.start()

    lines = queue.Queue()

    def read_stdin():
        for line in sys.stdin:
            lines.put(line)
        os._exit(0)  # stdin closed: the test is done with us

    threading.Thread(target=read_stdin, daemon=True).start()

    peer = Peer()
    out = sys.stdout
    out.write("ready pyzmq %s\n" % zmq.zmq_version())
    out.flush()
    while True:
        words = lines.get().split()
        if not words:
            continue
        if words[0] == "quit":
            out.write("bye\n")
            out.flush()
            os._exit(0)
        try:
            reply = peer.handle(words)
        except zmq.Again:
            reply = "err timeout in %s" % words[0]
        except Exception as e:  # noqa: BLE001 - every failure becomes a reply
            reply = "err %s: %s" % (type(e).__name__, e)
        out.write(reply.replace("\n", " ") + "\n")
        out.flush()


if __name__ == "__main__":
    main()
