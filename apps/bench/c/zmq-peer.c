/*
 * The libzmq C column of apps/bench: one end of a benchmark run, written
 * against libzmq's C API (Debian's libzmq3-dev), playing the same roles as
 * the node children (throughput-peer.js, reqrep-peer.js, pubsub-peer.js)
 * with the same arguments and the same reports, so that the parent runs
 * it as a third implementation. Built by src/libzmq-c.ts.
 *
 *   zmq-peer recv   libzmq <bind-address> <warmup-ms> <window-ms>     PULL
 *   zmq-peer router libzmq <bind-address> <warmup-ms> <window-ms>     ROUTER
 *   zmq-peer send   libzmq <endpoint> <size> <max-ms>                 PUSH
 *   zmq-peer dealer libzmq <endpoint> <size> <max-ms>                 DEALER
 *   zmq-peer rep    libzmq <bind-address>
 *   zmq-peer req    libzmq <endpoint> <size> <warmup-round-trips> <round-trips>
 *   zmq-peer pub    libzmq <bind-address> <size> <batch> <max-ms> [<hwm>]
 *   zmq-peer sub    libzmq <endpoint> <sockets> <size> <warmup-ms> <window-ms> [<hwm>]
 *   zmq-peer xpub   libzmq <bind-address> <topics> <chunk> <size> <batch> <warmup-ms> <window-ms>
 *   zmq-peer topicsub libzmq <endpoint> <topics> <size> <chunk>
 *   zmq-peer inproc libzmq <size> <ms>      PUSH and PULL over inproc, two threads
 *   zmq-peer version                        libzmq's version, on stdout
 *
 * Reports are JSON lines on stdout; the parent's commands ("go", "stop",
 * "exit") are lines on stdin. "exit", or the end of stdin (the parent went
 * away), ends the process at once. Every role gives up after two minutes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static void *ctx;
static atomic_int go_flag, stop_flag, more_count;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* CPU time of the whole process (every libzmq thread included), in ms. */
typedef struct { double user, sys, wall; } cpu_mark;
static cpu_mark cpu_now(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  cpu_mark m = {u.ru_utime.tv_sec * 1e3 + u.ru_utime.tv_usec / 1e3, u.ru_stime.tv_sec * 1e3 + u.ru_stime.tv_usec / 1e3, now_ms()};
  return m;
}
/* The "cpu" member of a report: what was used since `from`. */
static void cpu_json(char *out, size_t n, cpu_mark from) {
  cpu_mark to = cpu_now();
  snprintf(out, n, "\"cpu\":{\"userMs\":%.3f,\"systemMs\":%.3f,\"wallMs\":%.3f}", to.user - from.user, to.sys - from.sys, to.wall - from.wall);
}

__attribute__((format(printf, 1, 2)))
static void report(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pthread_mutex_lock(&out_lock);
  vprintf(fmt, ap);
  putchar('\n');
  fflush(stdout);
  pthread_mutex_unlock(&out_lock);
  va_end(ap);
}

static void fail(const char *what) {
  report("{\"type\":\"error\",\"message\":\"%s: %s\"}", what, zmq_strerror(zmq_errno()));
  _exit(1);
}

/* Reads the parent's commands; "exit" or the end of stdin ends the process. */
static void *commands(void *unused) {
  (void)unused;
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "go", 2) == 0) atomic_store(&go_flag, 1);
    else if (strncmp(line, "stop", 4) == 0) atomic_store(&stop_flag, 1);
    else if (strncmp(line, "more", 4) == 0) atomic_fetch_add(&more_count, 1);
    else if (strncmp(line, "exit", 4) == 0) break;
  }
  fflush(stdout);
  _exit(0);
  return NULL;
}

static void *socket_of(int type) {
  void *s = zmq_socket(ctx, type);
  if (!s) fail("zmq_socket");
  return s;
}

static void bind_ready(void *s, const char *address) {
  if (zmq_bind(s, address) != 0) fail("zmq_bind");
  char endpoint[512];
  size_t len = sizeof endpoint;
  if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0) fail("zmq_getsockopt");
  report("{\"type\":\"ready\",\"endpoint\":\"%s\"}", endpoint);
}

static void connect_to(void *s, const char *endpoint) {
  if (zmq_connect(s, endpoint) != 0) fail("zmq_connect");
}

/* Receives one message; returns the size of frame `frame` (the last one if it has fewer). */
static size_t recv_message(void *s, zmq_msg_t *msg, int frame) {
  size_t size = 0;
  int more = 1;
  for (int i = 0; more; i++) {
    if (zmq_msg_recv(msg, s, 0) < 0) fail("zmq_msg_recv");
    if (i <= frame) size = zmq_msg_size(msg);
    more = zmq_msg_more(msg);
  }
  return size;
}

/*
 * The timed window of a count, by this process's clock, as the node
 * children keep it: warm-up from the first message, then the window.
 */
typedef struct {
  double first, mark_time, warmup, window;
  long mark_count;
  int done;
  cpu_mark cpu;
} window_clock;

/* Returns 1 when the window is over, with *count and *elapsed set. */
static int clock_read(window_clock *c, long count, double now, long *out_count, double *elapsed) {
  if (c->mark_count < 0) {
    if (now - c->first >= c->warmup) {
      c->mark_count = count;
      c->mark_time = now;
      c->cpu = cpu_now();
    }
  } else if (now - c->mark_time >= c->window) {
    c->done = 1;
    *out_count = count - c->mark_count;
    *elapsed = now - c->mark_time;
    return 1;
  }
  return 0;
}

/* recv / router: counts a window of messages, then drains to the zero-length end marker. */
static void count_window(int type, int frame, const char *address, double warmup, double window) {
  void *s = socket_of(type);
  bind_ready(s, address);
  window_clock c = {0, 0, warmup, window, -1, 0, {0, 0, 0}};
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  long count = 0;
  for (;;) {
    size_t size = recv_message(s, &msg, frame);
    if (size == 0) break;
    if (++count == 1) c.first = now_ms();
    if (!c.done) {
      long n;
      double elapsed;
      if (clock_read(&c, count, now_ms(), &n, &elapsed)) {
        char cpu[160];
        cpu_json(cpu, sizeof cpu, c.cpu);
        report("{\"type\":\"result\",\"count\":%ld,\"elapsedMs\":%.3f,%s}", n, elapsed, cpu);
      }
    }
  }
  if (!c.done) {
    double end = now_ms(), from = c.mark_count >= 0 ? c.mark_time : c.first;
    char cpu[160];
    cpu_json(cpu, sizeof cpu, c.mark_count >= 0 ? c.cpu : cpu_now());
    report("{\"type\":\"result\",\"count\":%ld,\"elapsedMs\":%.3f,%s}", count - (c.mark_count > 0 ? c.mark_count : 0), end - from, cpu);
  }
  report("{\"type\":\"drained\",\"total\":%ld}", count);
  pause();
}

/*
 * Sends `size`-byte messages `batch` at a time until "stop" (or `max_ms`, a
 * safety net), then, if `end_marker`, the zero-length end marker, and
 * reports { type: "sent" } (`matched` is every message: no topics here).
 */
static void send_until_stop(void *s, size_t size, long batch, double max_ms, int end_marker) {
  char *body = malloc(size);
  memset(body, 0x61, size);
  cpu_mark start = cpu_now();
  double deadline = start.wall + max_ms;
  long sent = 0;
  int by_deadline = 0;
  while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
    for (long i = 0; i < batch; i++)
      if (zmq_send(s, body, size, 0) < 0) fail("zmq_send");
    sent += batch;
    // The safety net is looked at about every 1,024 messages.
    if ((sent & 1023) < batch && now_ms() > deadline) {
      by_deadline = 1;
      break;
    }
  }
  char cpu[160];
  cpu_json(cpu, sizeof cpu, start);
  if (end_marker && zmq_send(s, "", 0, 0) < 0) fail("zmq_send");
  report("{\"type\":\"sent\",\"sent\":%ld,\"matched\":%ld,\"byDeadline\":%s,%s}", sent, sent, by_deadline ? "true" : "false", cpu);
}

/* send / dealer: sends flat out until "stop", then the end marker. */
static void send_flat_out(int type, const char *endpoint, size_t size, double max_ms) {
  void *s = socket_of(type);
  connect_to(s, endpoint);
  send_until_stop(s, size, 1, max_ms, 1);
  pause();
}

static void rep(const char *address) {
  void *s = socket_of(ZMQ_REP);
  bind_ready(s, address);
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  for (;;) {
    if (zmq_msg_recv(&msg, s, 0) < 0) fail("zmq_msg_recv");
    if (zmq_msg_send(&msg, s, 0) < 0) fail("zmq_msg_send");
  }
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void req(const char *endpoint, size_t size, long warmup, long n) {
  void *s = socket_of(ZMQ_REQ);
  connect_to(s, endpoint);
  char *body = malloc(size), *answer = malloc(size + 1);
  memset(body, 0x61, size);
  double *samples = malloc(n * sizeof(double));
  cpu_mark start = cpu_now();
  for (long i = -warmup; i < n; i++) {
    if (i == 0) start = cpu_now();
    double t0 = now_ms();
    if (zmq_send(s, body, size, 0) < 0) fail("zmq_send");
    int got = zmq_recv(s, answer, size + 1, 0);
    if (got < 0) fail("zmq_recv");
    if ((size_t)got != size) {
      report("{\"type\":\"error\",\"message\":\"a reply of %d bytes, not %zu\"}", got, size);
      _exit(1);
    }
    if (i >= 0) samples[i] = (now_ms() - t0) * 1000;
  }
  char cpu[160];
  cpu_json(cpu, sizeof cpu, start);
  double sum = 0;
  for (long i = 0; i < n; i++) sum += samples[i];
  qsort(samples, n, sizeof(double), by_value);
#define RANK(p) samples[(long)((p) * n + 0.999999) - 1 < 0 ? 0 : (long)((p) * n + 0.999999) - 1]
  report("{\"type\":\"latency\",\"n\":%ld,\"p50Us\":%.3f,\"p99Us\":%.3f,\"meanUs\":%.3f,\"minUs\":%.3f,\"maxUs\":%.3f,%s}", n, RANK(0.5), RANK(0.99),
         sum / n, samples[0], samples[n - 1], cpu);
  pause();
}

/* pub: probes every millisecond until "go", then `batch` messages at a time until "stop", then end markers every 2 ms. */
static void pub(const char *address, size_t size, long batch, double max_ms, int hwm) {
  void *s = socket_of(ZMQ_PUB);
  if (hwm >= 0) zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
  bind_ready(s, address);
  while (!atomic_load(&go_flag)) {
    zmq_send(s, "p", 1, 0);
    usleep(1000);
  }
  send_until_stop(s, size, batch, max_ms, 0);
  for (;;) {
    zmq_send(s, "", 0, 0);
    usleep(2000);
  }
}

/* sub: `sockets` subscribers in this thread, each counting a window of `size`-byte messages. */
static void sub(const char *endpoint, int sockets, size_t size, double warmup, double window, int hwm) {
  zmq_pollitem_t *items = calloc(sockets, sizeof *items);
  window_clock *clocks = calloc(sockets, sizeof *clocks);
  long *counts = calloc(sockets, sizeof(long)), *win_counts = calloc(sockets, sizeof(long));
  double *win_ms = calloc(sockets, sizeof(double));
  int *state = calloc(sockets, sizeof(int)); /* 0 waiting for a probe, 1 probed, 2 drained */
  for (int i = 0; i < sockets; i++) {
    items[i].socket = socket_of(ZMQ_SUB);
    items[i].events = ZMQ_POLLIN;
    if (hwm >= 0) zmq_setsockopt(items[i].socket, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(items[i].socket, ZMQ_SUBSCRIBE, "", 0);
    connect_to(items[i].socket, endpoint);
    clocks[i] = (window_clock){0, 0, warmup, window, -1, 0, {0, 0, 0}};
  }
  int ready = 0, windows_done = 0, drained = 0;
  cpu_mark cpu_start = {0, 0, 0};
  int cpu_started = 0;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  while (drained < sockets) {
    if (zmq_poll(items, sockets, -1) < 0) fail("zmq_poll");
    for (int i = 0; i < sockets; i++) {
      if (!(items[i].revents & ZMQ_POLLIN) || state[i] == 2) continue;
      /* A batch at a time from each ready socket, as a fair reader would. */
      for (int k = 0; k < 256 && state[i] != 2; k++) {
        if (zmq_msg_recv(&msg, items[i].socket, ZMQ_DONTWAIT) < 0) {
          if (zmq_errno() == EAGAIN) break;
          fail("zmq_msg_recv");
        }
        size_t length = zmq_msg_size(&msg);
        window_clock *c = &clocks[i];
        if (length == size) {
          if (++counts[i] == 1) c->first = now_ms();
          if (!c->done && (counts[i] & 255) == 0) {
            int marked = c->mark_count >= 0;
            if (clock_read(c, counts[i], now_ms(), &win_counts[i], &win_ms[i]) && ++windows_done == sockets) {
              char json[64 * 1024], cpu[160];
              size_t at = snprintf(json, sizeof json, "{\"type\":\"result\",\"windows\":[");
              for (int j = 0; j < sockets && at < sizeof json - 128; j++)
                at += snprintf(json + at, sizeof json - at, "%s{\"count\":%ld,\"elapsedMs\":%.3f}", j ? "," : "", win_counts[j], win_ms[j]);
              cpu_json(cpu, sizeof cpu, cpu_start);
              report("%s],%s}", json, cpu);
            }
            if (!marked && c->mark_count >= 0 && !cpu_started) {
              cpu_started = 1;
              cpu_start = c->cpu;
            }
          }
        } else if (length == 1) {
          if (state[i] == 0) {
            state[i] = 1;
            if (++ready == sockets) report("{\"type\":\"ready\"}");
          }
        } else {
          state[i] = 2;
          if (++drained == sockets) {
            char json[64 * 1024];
            size_t at = snprintf(json, sizeof json, "{\"type\":\"drained\",\"totals\":[");
            for (int j = 0; j < sockets && at < sizeof json - 32; j++) at += snprintf(json + at, sizeof json - at, "%s%ld", j ? "," : "", counts[j]);
            report("%s]}", json);
          }
        }
      }
    }
  }
  pause();
}

/* Topic i as pubsub-peer.js names it: fixed width, so that none is a prefix of another. */
static int topic_width(long topics) {
  int digits = snprintf(NULL, 0, "%ld", topics * 10 - 1);
  return digits > 5 ? digits : 5;
}
static int topic_name(char *out, size_t n, long i, int width) { return snprintf(out, n, "sym-%0*ld.", width, i); }

/* xpub: counts `topics` subscriptions, then publishes a table of messages of which one in ten matches, timing its own sends. */
static void xpub(const char *address, long topics, long chunk, size_t size, long batch, double warmup, double window) {
  void *s = socket_of(ZMQ_XPUB);
  bind_ready(s, address);
  double subscribe_start = now_ms();
  long subscribed = 0;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  while (subscribed < topics) {
    if (zmq_msg_recv(&msg, s, 0) < 0) fail("zmq_msg_recv");
    if (zmq_msg_size(&msg) == 0 || ((unsigned char *)zmq_msg_data(&msg))[0] != 1) continue;
    if (++subscribed % chunk == 0 || subscribed == topics) report("{\"type\":\"progress\",\"topics\":%ld}", subscribed);
  }
  report("{\"type\":\"subscribed\",\"topics\":%ld,\"ms\":%.3f}", subscribed, now_ms() - subscribe_start);
  /* The same table as pubsub-peer.js: xorshift32 from 12345, its high bits picking one of ten times as many topics. */
  enum { TABLE = 8192 };
  static char *table[TABLE];
  static unsigned char matches[TABLE];
  int width = topic_width(topics);
  uint32_t seed = 12345;
  for (int i = 0; i < TABLE; i++) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    long t = (long)((seed / 4294967296.0) * topics * 10);
    table[i] = malloc(size + 32);
    memset(table[i], 0x61, size);
    char name[32];
    int len = topic_name(name, sizeof name, t, width);
    memcpy(table[i], name, (size_t)len < size ? (size_t)len : size);
    matches[i] = t % 10 == 0;
  }
  long sent = 0, matched = 0, at = 0;
  cpu_mark start = cpu_now();
  window_clock c = {start.wall, 0, warmup, window, -1, 0, start};
  for (;;) {
    for (long i = 0; i < batch; i++) {
      if (zmq_send(s, table[at], size, 0) < 0) fail("zmq_send");
      matched += matches[at];
      at = (at + 1) & (TABLE - 1);
    }
    sent += batch;
    long n;
    double elapsed;
    if (clock_read(&c, sent, now_ms(), &n, &elapsed)) {
      char cpu[160];
      cpu_json(cpu, sizeof cpu, c.cpu);
      report("{\"type\":\"result\",\"windows\":[{\"count\":%ld,\"elapsedMs\":%.3f}],%s}", n, elapsed, cpu);
      break;
    }
  }
  char cpu[160];
  cpu_json(cpu, sizeof cpu, start);
  report("{\"type\":\"sent\",\"sent\":%ld,\"matched\":%ld,\"byDeadline\":false,%s}", sent, matched, cpu);
  char end[32];
  int end_len = topic_name(end, sizeof end, 0, width);
  for (;;) {
    zmq_send(s, end, end_len, 0);
    usleep(2000);
  }
}

/* topicsub: subscribes to topics 0, 10, 20, ... a chunk at a time (each once the parent says "more"), counting what arrives. */
static void topicsub(const char *endpoint, long topics, size_t size, long chunk) {
  void *s = socket_of(ZMQ_SUB);
  connect_to(s, endpoint);
  int width = topic_width(topics);
  long from = 0, count = 0;
  int waited = 0;
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
  for (;;) {
    if (from < topics && atomic_load(&more_count) == waited) {
      long up_to = from + chunk < topics ? from + chunk : topics;
      for (; from < up_to; from++) {
        char name[32];
        int len = topic_name(name, sizeof name, from * 10, width);
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, name, len);
      }
      waited++;
      report("{\"type\":\"chunk\",\"upTo\":%ld}", up_to);
    }
    if (zmq_poll(&item, 1, 1) < 0) fail("zmq_poll");
    while (zmq_msg_recv(&msg, s, ZMQ_DONTWAIT) >= 0) {
      if (zmq_msg_size(&msg) != size) {
        report("{\"type\":\"drained\",\"totals\":[%ld]}", count);
        pause();
      }
      count++;
    }
  }
}

/* inproc: a PULL in this thread counts what a PUSH in another sends for `ms`, then the end marker. */
typedef struct { void *push; size_t size; double until; long sent; } inproc_sender;
static void *inproc_send(void *arg) {
  inproc_sender *p = arg;
  char *body = calloc(1, p->size);
  while (now_ms() < p->until)
    for (int i = 0; i < 1000; i++, p->sent++)
      if (zmq_send(p->push, body, p->size, 0) < 0) fail("zmq_send");
  zmq_send(p->push, "", 0, 0);
  return NULL;
}
static void inproc(size_t size, double ms) {
  void *pull = socket_of(ZMQ_PULL), *push = socket_of(ZMQ_PUSH);
  if (zmq_bind(pull, "inproc://bench") != 0) fail("zmq_bind");
  connect_to(push, "inproc://bench");
  cpu_mark start = cpu_now();
  inproc_sender sender = {push, size, start.wall + ms, 0};
  pthread_t thread;
  pthread_create(&thread, NULL, inproc_send, &sender);
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  long count = 0;
  while (recv_message(pull, &msg, 0) != 0) count++;
  char cpu[160];
  cpu_json(cpu, sizeof cpu, start);
  pthread_join(thread, NULL);
  report("{\"type\":\"result\",\"count\":%ld,\"elapsedMs\":%.3f,%s}", count, now_ms() - start.wall, cpu);
  pause();
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "version")) {
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("%d.%d.%d\n", major, minor, patch);
    return 0;
  }
  if (argc < 4) {
    fprintf(stderr, "usage: zmq-peer <role> libzmq <address> ... (started by apps/bench)\n");
    return 2;
  }
  const char *role = argv[1], *target = argv[3];
#define ARG(i) (argc > (i) ? atof(argv[i]) : 0)
  ctx = zmq_ctx_new();
  pthread_t reader;
  pthread_create(&reader, NULL, commands, NULL);
  alarm(120);
  if (!strcmp(role, "recv")) count_window(ZMQ_PULL, 0, target, ARG(4), ARG(5));
  else if (!strcmp(role, "router")) count_window(ZMQ_ROUTER, 1, target, ARG(4), ARG(5));
  else if (!strcmp(role, "send")) send_flat_out(ZMQ_PUSH, target, (size_t)ARG(4), ARG(5));
  else if (!strcmp(role, "dealer")) send_flat_out(ZMQ_DEALER, target, (size_t)ARG(4), ARG(5));
  else if (!strcmp(role, "rep")) rep(target);
  else if (!strcmp(role, "req")) req(target, (size_t)ARG(4), (long)ARG(5), (long)ARG(6));
  else if (!strcmp(role, "pub")) pub(target, (size_t)ARG(4), (long)ARG(5), ARG(6), argc > 7 ? atoi(argv[7]) : -1);
  else if (!strcmp(role, "sub")) sub(target, (int)ARG(4), (size_t)ARG(5), ARG(6), ARG(7), argc > 8 ? atoi(argv[8]) : -1);
  else if (!strcmp(role, "xpub")) xpub(target, (long)ARG(4), (long)ARG(5), (size_t)ARG(6), (long)ARG(7), ARG(8), ARG(9));
  else if (!strcmp(role, "topicsub")) topicsub(target, (long)ARG(4), (size_t)ARG(5), (long)ARG(6));
  else if (!strcmp(role, "inproc")) inproc((size_t)atof(target), ARG(4));
  else {
    report("{\"type\":\"error\",\"message\":\"unknown role %s\"}", role);
    return 1;
  }
  return 0;
}
