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
    quit                                                 -> bye, then exit

TYPE is PAIR, PUSH, PULL, REQ, REP, DEALER, ROUTER, PUB, SUB, XPUB or XSUB.
Options are integers (linger, rcvtimeo, sndtimeo, reconnect_ivl, sndhwm, rcvhwm,
and the 0/1 flags probe_router, router_mandatory, router_handover,
req_correlate, req_relaxed, xpub_verbose)
or hex bytes (routing_id; connect_routing_id, set just before connect).

A DIGEST is `LENGTH:SHA256HEX` of one frame. seq(i) is the two frames
[ascii decimal i, (i % 64) bytes of value i & 0xff]. Failures answer
`err <text>`. The process exits when stdin closes, on `quit`, or after the
hard timeout, whichever comes first; sockets use linger 0 and 20 s send and
receive timeouts so that no command blocks forever.
"""
import hashlib
import os
import queue
import sys
import threading

import zmq

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
}
BYTES_OPTIONS = {"routing_id": zmq.ROUTING_ID, "connect_routing_id": zmq.CONNECT_ROUTING_ID}


def digest(frame):
    return "%d:%s" % (len(frame), hashlib.sha256(frame).hexdigest())


def hexframes(frames):
    return " ".join(f.hex() if f else "-" for f in frames)


def seq(i):
    return [str(i).encode(), bytes([i & 0xFF]) * (i % 64)]


class Peer:
    def __init__(self):
        self.ctx = zmq.Context()
        self.sockets = {}

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
                if key in BYTES_OPTIONS:
                    s.setsockopt(BYTES_OPTIONS[key], bytes.fromhex(value))
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
            self.sockets.pop(args[0]).close(0)
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
