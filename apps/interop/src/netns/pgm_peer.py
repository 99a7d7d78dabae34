#!/usr/bin/python3
"""epgm:// interop peer: a pyzmq (Debian python3-zmq, libzmq 4.3.4 built with
OpenPGM) PUB or SUB driven by argv, stdin lines and stdout JSON lines.

Run it with /usr/bin/python3, and only inside a private network namespace
(netns.ts: spawnInNetns, runInNetns): it sends multicast.

    pgm_peer.py pub ENDPOINT COUNT [SIZE] [--multipart N] [--topics a,b]
                [--rate KBPS] [--recovery-ivl MS] [--maxtpdu BYTES]
                [--sndhwm N] [--hard-timeout SEC]
    pgm_peer.py sub ENDPOINT COUNT [--subscribe PREFIX]... [--offset N]
                [--timeout SEC] [--rcvhwm N] [--each] [--hex]
                [--hard-timeout SEC]

ENDPOINT is e.g. "epgm://127.0.0.1;239.192.1.1:5555". Give the interface by
address: OpenPGM never takes a loopback device by name ("lo;..." fails with
EINVAL), and an endpoint without an interface makes libzmq abort.

Messages. Message i (i = 0, 1, ...) is, with TOPIC the i-th entry of --topics
taken round robin (b"" without --topics):

    frame 0:          TOPIC + i (8 bytes, big-endian), padded with bytes
                      of value i & 0xff up to SIZE bytes (default 8)
    frame k (k >= 1): k (4 bytes, big-endian) + i (8 bytes, big-endian)

so --multipart N gives N frames. A receiver reads i from frame 0 after the
topic: a sub takes the topic's length from the longest --subscribe prefix
that frame 0 starts with, or from --offset N (so with --topics of different
lengths, subscribe to whole topics or pass --offset). Every frame is checked
against what the sender made of i; mismatches are counted as "corrupt".

pub: PUB, ZMQ_RATE (default 100000 kbit/s: libzmq's own 100 kbit/s is far
too slow for tests), ZMQ_RECOVERY_IVL if given, ZMQ_SNDHWM (default 0, no
limit: a PUB drops what is past its HWM while the rate limiter holds it
back), LINGER 0, connect(ENDPOINT). Then:
    stdout {"event":"ready","role":"pub","zmq":"4.3.4"}
    stdin  "go" or "go N"  -> sends COUNT (or N) more messages, numbering on
    stdout {"event":"sent","count":N,"first":i,"last":i,"total":T,"ms":M}
    stdin  "close"         -> closes the socket (linger 0) and exits 0
The socket stays open until "close": PGM repairs (NAK -> RDATA) and SPMs
need the sender alive. "go" may be given several times.

sub: SUB, ZMQ_SUBSCRIBE each prefix (default ""), connect(ENDPOINT), then
    stdout {"event":"ready","role":"sub","zmq":"4.3.4"}
receives COUNT messages (multipart aware), and exits 0 after
    stdout {"event":"received","count":N,"first":i,"last":i,"inOrder":bool,
            "contiguous":bool,"parts":P,"partsSeen":[...],"bytes":B,
            "corrupt":C,"firstAfterMs":F,"elapsedMs":E}
("inOrder": each i larger than the one before; "contiguous": each i is the
one before plus 1; "parts": the frame count of every message, null when
they differ; "firstAfterMs": from connect to the first message). With
--each it prints {"event":"message","i":i,"parts":P,"sizes":[...]} per
message (plus "hex":[...] with --hex). If COUNT messages have not come
within --timeout seconds (default 30) of the connect, it prints the same
summary with "event":"timeout" and exits 2.

Both exit with code 3 after --hard-timeout seconds (default 120), and die
with their parent process (PR_SET_PDEATHSIG), so that nothing outlives a
test and its network namespace. The pub also exits when stdin closes.
OpenPGM prints warnings ("Warn: Interface lo reports as a loopback
device.") on the C library's stdout; this script moves them to stderr, so
that stdout carries JSON lines only. They are harmless.
"""
import argparse
import ctypes
import json
import os
import signal
import sys
import threading
import time

import zmq


# OpenPGM logs ("Warn: Interface lo reports as a loopback device.") to the C
# stdout: the JSON lines go to a private copy of fd 1, and fd 1 becomes stderr.
OUT = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)


def emit(obj):
    OUT.write(json.dumps(obj, separators=(",", ":")) + "\n")
    OUT.flush()


def die_with_parent():
    """SIGKILL this process when its parent dies (Linux prctl PR_SET_PDEATHSIG)."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(3)


def first_frame(i, topic, size):
    body = topic + i.to_bytes(8, "big")
    return body + bytes([i & 0xFF]) * max(0, size - len(body))


def message(i, topic, size, parts):
    return [first_frame(i, topic, size)] + [k.to_bytes(4, "big") + i.to_bytes(8, "big") for k in range(1, parts)]


def run_pub(args):
    topics = [t.encode() for t in args.topics.split(",")] if args.topics else [b""]
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUB)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RATE, args.rate)
    s.setsockopt(zmq.SNDHWM, args.sndhwm)
    if args.recovery_ivl is not None:
        s.setsockopt(zmq.RECOVERY_IVL, args.recovery_ivl)
    if args.maxtpdu is not None:
        s.setsockopt(zmq.MULTICAST_MAXTPDU, args.maxtpdu)
    s.connect(args.endpoint)
    emit({"event": "ready", "role": "pub", "zmq": zmq.zmq_version()})
    total = 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "go":
            n = int(words[1]) if len(words) > 1 else args.count
            start = time.monotonic()
            for i in range(total, total + n):
                s.send_multipart(message(i, topics[i % len(topics)], args.size, args.multipart))
            emit(
                {
                    "event": "sent",
                    "count": n,
                    "first": total,
                    "last": total + n - 1,
                    "total": total + n,
                    "ms": round((time.monotonic() - start) * 1000, 1),
                }
            )
            total += n
        elif words[0] == "probe":
            # One uncounted one-frame message, for a receiver to know it has joined.
            s.send(PROBE)
        elif words[0] in ("close", "quit"):
            break
        else:
            emit({"event": "error", "message": "unknown command %r" % words[0]})
    s.close(0)
    ctx.term()
    os._exit(0)


class Tally:
    def __init__(self):
        self.count = 0
        self.first = None
        self.last = None
        self.in_order = True
        self.contiguous = True
        self.parts_seen = set()
        self.bytes = 0
        self.corrupt = 0
        self.first_at = None

    def summary(self, event, started):
        now = time.monotonic()
        parts = sorted(self.parts_seen)
        return {
            "event": event,
            "count": self.count,
            "first": self.first,
            "last": self.last,
            "inOrder": self.in_order,
            "contiguous": self.contiguous,
            "parts": parts[0] if len(parts) == 1 else None,
            "partsSeen": parts,
            "bytes": self.bytes,
            "corrupt": self.corrupt,
            "firstAfterMs": None if self.first_at is None else round((self.first_at - started) * 1000, 1),
            "elapsedMs": round((now - started) * 1000, 1),
        }


# With --probe, a sub also takes this one-frame message, and says "probed" when the first one comes: libzmq's
# connect() gives no sign of when its PGM socket is receiving, so a sender probes until it hears that.
PROBE = b"probe"


def run_sub(args):
    prefixes = [p.encode() for p in (args.subscribe or [""])]
    ctx = zmq.Context()
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVHWM, args.rcvhwm)
    # The receive window is sized from the SUB's own rate (libzmq's compute_sqns): 80 packets at the default.
    s.setsockopt(zmq.RATE, args.rate)
    for p in prefixes:
        s.setsockopt(zmq.SUBSCRIBE, p)
    if args.probe:
        s.setsockopt(zmq.SUBSCRIBE, PROBE)
    probed = False
    started = time.monotonic()
    s.connect(args.endpoint)
    emit({"event": "ready", "role": "sub", "zmq": zmq.zmq_version()})
    deadline = started + args.timeout
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    t = Tally()
    while t.count < args.count:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            emit(t.summary("timeout", started))
            s.close(0)
            os._exit(2)
        frames = s.recv_multipart()
        head = frames[0]
        if args.probe and frames == [PROBE]:
            # The sender's probe: this socket is up and receiving. Said once; probes are not counted.
            if not probed:
                probed = True
                emit({"event": "probed"})
            continue
        if args.offset is not None:
            offset = args.offset
        else:
            offset = max((len(p) for p in prefixes if head.startswith(p)), default=0)
        i = int.from_bytes(head[offset : offset + 8], "big")
        if t.first_at is None:
            t.first_at = time.monotonic()
            t.first = i
        else:
            t.in_order = t.in_order and i > t.last
            t.contiguous = t.contiguous and i == t.last + 1
        t.last = i
        t.count += 1
        t.parts_seen.add(len(frames))
        t.bytes += sum(len(f) for f in frames)
        if len(head) < offset + 8 or frames != message(i, head[:offset], len(head), len(frames)):
            t.corrupt += 1
        if args.each:
            m = {"event": "message", "i": i, "parts": len(frames), "sizes": [len(f) for f in frames]}
            if args.hex:
                m["hex"] = [f.hex() for f in frames]
            emit(m)
    emit(t.summary("received", started))
    s.close(0)
    ctx.term()
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description="epgm:// interop peer (pyzmq)")
    parser.add_argument("role", choices=["pub", "sub"])
    parser.add_argument("--probe", action="store_true", help='sub: print {"event":"probed"} on the first b"probe" message')
    parser.add_argument("endpoint")
    parser.add_argument("count", type=int)
    parser.add_argument("size", type=int, nargs="?", default=8, help="pub: bytes of frame 0 (at least topic + 8)")
    parser.add_argument("--multipart", type=int, default=1, help="pub: frames per message")
    parser.add_argument("--topics", help="pub: comma-separated topics, used round robin")
    parser.add_argument("--rate", type=int, default=100000, help="ZMQ_RATE in kbit/s (pub: the send rate; sub: sizes the receive window)")
    parser.add_argument("--recovery-ivl", type=int, help="pub: ZMQ_RECOVERY_IVL in ms")
    parser.add_argument("--maxtpdu", type=int, help="pub: ZMQ_MULTICAST_MAXTPDU in bytes")
    parser.add_argument("--sndhwm", type=int, default=0, help="pub: ZMQ_SNDHWM (0 = no limit)")
    parser.add_argument("--subscribe", action="append", help="sub: a prefix to subscribe to (repeatable)")
    parser.add_argument("--offset", type=int, help="sub: where i starts in frame 0")
    parser.add_argument("--timeout", type=float, default=30.0, help="sub: seconds from connect")
    parser.add_argument("--rcvhwm", type=int, default=0, help="sub: ZMQ_RCVHWM (0 = no limit)")
    parser.add_argument("--each", action="store_true", help="sub: a line per message")
    parser.add_argument("--hex", action="store_true", help="sub: with --each, the frames in hex")
    parser.add_argument("--hard-timeout", type=float, default=120.0)
    args = parser.parse_args()

    die_with_parent()
    killer = threading.Timer(args.hard_timeout, lambda: os._exit(3))
    killer.daemon = True
    killer.start()
    if args.role == "pub":
        run_pub(args)
    else:
        run_sub(args)


if __name__ == "__main__":
    main()
