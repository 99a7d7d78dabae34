// Interop peer: a JeroMQ 0.3.6 (ZMTP 2.0) process driven by line commands on
// stdin, one reply line per command on stdout. The same protocol as
// peer.py (see there):
//
//   java -cp /usr/share/java/jeromq.jar peers/Peer.java [--timeout SECONDS]
//
//   open NAME TYPE bind|connect ENDPOINT [opt=value ...] -> ok RESOLVED-ENDPOINT
//   connect NAME ENDPOINT | close NAME | send NAME HEX... | sendseq NAME COUNT | sendrand NAME SIZE...
//   recv NAME | recvhex NAME | recvseq NAME COUNT | echo NAME COUNT [SUFFIX] | quit
//   subscribe NAME TOPIC... | unsubscribe NAME TOPIC... | sendeach NAME FRAME... | recvfirst NAME COUNT
//
// Socket types PAIR, PUSH, PULL, REQ, REP, DEALER, ROUTER, PUB, SUB, XPUB,
// XSUB. JeroMQ 0.3.6 has the options linger, rcvtimeo, sndtimeo,
// reconnect_ivl, sndhwm, rcvhwm, routing_id (hex; its ZMQ_IDENTITY),
// router_mandatory, router_handover and xpub_verbose;
// it has no ZMQ_PROBE_ROUTER, ZMQ_CONNECT_RID, ZMQ_REQ_CORRELATE or
// ZMQ_REQ_RELAXED, so probe_router, connect_routing_id, req_correlate and
// req_relaxed answer `err`.
//
// JeroMQ 0.3.6 has no ZMQ_LAST_ENDPOINT: `bind tcp://HOST:*` binds port 0
// and reports the port the OS gave (see boundPort). The process exits when stdin
// closes, on `quit`, or after the hard timeout; sockets use linger 0 and 20 s
// send and receive timeouts so that no command blocks forever.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.zeromq.ZMQ;

public class Peer {
    private final ZMQ.Context ctx = ZMQ.context(1);
    private final Map<String, ZMQ.Socket> sockets = new HashMap<>();
    private final Random random = new Random();

    static final class Timeout extends Exception {
        Timeout(String what) {
            super(what);
        }
    }

    public static void main(String[] args) throws Exception {
        long timeoutMs = 60_000;
        if (args.length >= 2 && args[0].equals("--timeout")) timeoutMs = (long) (Double.parseDouble(args[1]) * 1000);
        final long hardTimeout = timeoutMs;
        // The hard timeout: nothing may keep this process alive past it.
        Thread killer = new Thread(() -> {
            try {
                Thread.sleep(hardTimeout);
            } catch (InterruptedException e) {
                // exit anyway
            }
            Runtime.getRuntime().halt(3);
        });
        killer.setDaemon(true);
        killer.start();

        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) lines.put(line);
            } catch (Exception e) {
                // stdin is gone either way
            }
            Runtime.getRuntime().halt(0); // stdin closed: the test is done with us
        });
        reader.setDaemon(true);
        reader.start();

        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("ready jeromq " + ZMQ.getVersionString());
        Peer peer = new Peer();
        while (true) {
            String[] words = lines.take().trim().split(" +");
            if (words[0].isEmpty()) continue;
            if (words[0].equals("quit")) {
                out.println("bye");
                out.flush();
                Runtime.getRuntime().halt(0);
            }
            String reply;
            try {
                reply = peer.handle(words);
            } catch (Timeout e) {
                reply = "err timeout in " + e.getMessage();
            } catch (Throwable e) {
                reply = "err " + e;
            }
            out.println(reply.replace('\n', ' '));
        }
    }

    static String digest(byte[] frame) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(frame);
        StringBuilder sb = new StringBuilder(frame.length + ":");
        for (byte b : hash) sb.append(String.format("%02x", b & 0xff));
        return sb.toString();
    }

    static List<byte[]> seq(int i) {
        byte[] body = new byte[i % 64];
        Arrays.fill(body, (byte) i);
        return List.of(Integer.toString(i).getBytes(StandardCharsets.US_ASCII), body);
    }

    static int typeOf(String name) {
        switch (name) {
            case "PAIR": return ZMQ.PAIR;
            case "PUSH": return ZMQ.PUSH;
            case "PULL": return ZMQ.PULL;
            case "REQ": return ZMQ.REQ;
            case "REP": return ZMQ.REP;
            case "DEALER": return ZMQ.DEALER;
            case "ROUTER": return ZMQ.ROUTER;
            case "PUB": return ZMQ.PUB;
            case "SUB": return ZMQ.SUB;
            case "XPUB": return ZMQ.XPUB;
            case "XSUB": return ZMQ.XSUB;
            default: throw new IllegalArgumentException("unknown socket type " + name);
        }
    }

    ZMQ.Socket socket(String name) {
        ZMQ.Socket s = sockets.get(name);
        if (s == null) throw new IllegalArgumentException("no socket named " + name);
        return s;
    }

    static void sendMultipart(ZMQ.Socket s, List<byte[]> frames) throws Timeout {
        for (int i = 0; i < frames.size(); i++) {
            if (!s.send(frames.get(i), i + 1 < frames.size() ? ZMQ.SNDMORE : 0)) throw new Timeout("send");
        }
    }

    static List<byte[]> recvMultipart(ZMQ.Socket s) throws Timeout {
        List<byte[]> frames = new ArrayList<>();
        do {
            byte[] frame = s.recv(0);
            if (frame == null) throw new Timeout("recv");
            frames.add(frame);
        } while (s.hasReceiveMore());
        return frames;
    }

    static String digests(List<byte[]> frames) throws Exception {
        StringBuilder sb = new StringBuilder("ok");
        for (byte[] f : frames) sb.append(' ').append(digest(f));
        return sb.toString();
    }

    String handle(String[] w) throws Exception {
        switch (w[0]) {
            case "open": {
                ZMQ.Socket s = ctx.socket(typeOf(w[2]));
                s.setLinger(0);
                s.setReceiveTimeOut(20_000);
                s.setSendTimeOut(20_000);
                for (int i = 5; i < w.length; i++) {
                    String[] kv = w[i].split("=", 2);
                    if (kv[0].equals("routing_id")) {
                        s.setIdentity(hex(kv[1]));
                        continue;
                    }
                    long v = Long.parseLong(kv[1]);
                    switch (kv[0]) {
                        case "linger": s.setLinger(v); break;
                        case "rcvtimeo": s.setReceiveTimeOut((int) v); break;
                        case "sndtimeo": s.setSendTimeOut((int) v); break;
                        case "reconnect_ivl": s.setReconnectIVL(v); break;
                        case "sndhwm": s.setSndHWM(v); break;
                        case "rcvhwm": s.setRcvHWM(v); break;
                        case "router_mandatory": s.setRouterMandatory(v != 0); break;
                        case "router_handover": s.setRouterHandover(v != 0); break;
                        case "xpub_verbose": s.setXpubVerbose(v != 0); break;
                        default: throw new IllegalArgumentException("unknown option " + kv[0]);
                    }
                }
                String endpoint = w[4];
                if (w[3].equals("bind")) {
                    if (endpoint.endsWith(":*")) {
                        String prefix = endpoint.substring(0, endpoint.length() - 2);
                        s.bind(prefix + ":0");
                        endpoint = prefix + ":" + boundPort(s);
                    } else {
                        s.bind(endpoint);
                    }
                } else {
                    s.connect(endpoint);
                }
                sockets.put(w[1], s);
                return "ok " + endpoint;
            }
            case "connect":
                socket(w[1]).connect(w[2]);
                return "ok";
            case "close":
                socket(w[1]).close();
                sockets.remove(w[1]);
                return "ok";
            case "send": {
                List<byte[]> frames = new ArrayList<>();
                for (int i = 2; i < w.length; i++) frames.add(w[i].equals("-") ? new byte[0] : hex(w[i]));
                sendMultipart(socket(w[1]), frames);
                return "ok";
            }
            case "sendseq": {
                ZMQ.Socket s = socket(w[1]);
                int count = Integer.parseInt(w[2]);
                for (int i = 0; i < count; i++) sendMultipart(s, seq(i));
                return "ok " + count;
            }
            case "sendrand": {
                List<byte[]> frames = new ArrayList<>();
                for (int i = 2; i < w.length; i++) {
                    byte[] f = new byte[Integer.parseInt(w[i])];
                    random.nextBytes(f);
                    frames.add(f);
                }
                sendMultipart(socket(w[1]), frames);
                return digests(frames);
            }
            case "recv":
                return digests(recvMultipart(socket(w[1])));
            case "recvhex": {
                StringBuilder sb = new StringBuilder("ok");
                for (byte[] f : recvMultipart(socket(w[1]))) sb.append(' ').append(f.length == 0 ? "-" : toHex(f));
                return sb.toString();
            }
            case "recvseq": {
                ZMQ.Socket s = socket(w[1]);
                int count = Integer.parseInt(w[2]);
                for (int i = 0; i < count; i++) {
                    List<byte[]> got;
                    try {
                        got = recvMultipart(s);
                    } catch (Timeout e) {
                        return "err timeout after " + i + " of " + count + " messages";
                    }
                    List<byte[]> want = seq(i);
                    boolean same = got.size() == want.size();
                    for (int k = 0; same && k < want.size(); k++) same = Arrays.equals(got.get(k), want.get(k));
                    if (!same) return "err message " + i + " of " + count + " differs (" + got.size() + " frames, first "
                        + new String(got.get(0), 0, Math.min(16, got.get(0).length), StandardCharsets.ISO_8859_1) + ")";
                }
                return "ok " + count;
            }
            case "echo": {
                ZMQ.Socket s = socket(w[1]);
                int count = Integer.parseInt(w[2]);
                byte[] suffix = w.length > 3 ? (w[3].equals("-") ? new byte[0] : hex(w[3])) : null;
                for (int i = 0; i < count; i++) {
                    List<byte[]> frames = recvMultipart(s);
                    if (suffix != null) frames.add(suffix);
                    sendMultipart(s, frames);
                }
                return "ok " + count;
            }
            case "subscribe":
            case "unsubscribe": {
                ZMQ.Socket s = socket(w[1]);
                for (int i = 2; i < Math.max(w.length, 3); i++) {
                    byte[] topic = i >= w.length || w[i].equals("-") ? new byte[0] : hex(w[i]);
                    if (w[0].equals("subscribe")) s.subscribe(topic);
                    else s.unsubscribe(topic);
                }
                return "ok";
            }
            case "sendeach": {
                ZMQ.Socket s = socket(w[1]);
                for (int i = 2; i < w.length; i++) {
                    if (!s.send(w[i].equals("-") ? new byte[0] : hex(w[i]), 0)) throw new Timeout("send");
                }
                return "ok " + (w.length - 2);
            }
            case "recvfirst": {
                ZMQ.Socket s = socket(w[1]);
                int count = Integer.parseInt(w[2]);
                StringBuilder sb = new StringBuilder("ok");
                for (int i = 0; i < count; i++) {
                    byte[] f = recvMultipart(s).get(0);
                    sb.append(' ').append(f.length == 0 ? "-" : toHex(f));
                }
                return sb.toString();
            }
            default:
                throw new IllegalArgumentException("unknown command " + w[0]);
        }
    }

    /**
     * The port the OS gave a `tcp://HOST:0` bind. JeroMQ 0.3.6 has no
     * ZMQ_LAST_ENDPOINT, and its bindToRandomPort scans upwards from 49152, so
     * concurrent test runs would take each other's ports (a restarted peer's
     * port went to another run's peer, and messages crossed between runs). So
     * bind port 0 and read the listener's real port by reflection.
     */
    static int boundPort(ZMQ.Socket s) throws Exception {
        Field endpoints = zmq.SocketBase.class.getDeclaredField("endpoints");
        endpoints.setAccessible(true);
        Field handle = zmq.TcpListener.class.getDeclaredField("handle");
        handle.setAccessible(true);
        for (Object own : ((Map<?, ?>) endpoints.get(s.base())).values()) {
            if (own instanceof zmq.TcpListener) {
                return ((ServerSocketChannel) handle.get(own)).socket().getLocalPort();
            }
        }
        throw new IllegalStateException("no TCP listener after bind");
    }

    static String toHex(byte[] b) {
        StringBuilder sb = new StringBuilder(2 * b.length);
        for (byte x : b) sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }

    static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return b;
    }
}
