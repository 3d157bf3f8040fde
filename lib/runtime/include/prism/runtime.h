/* Prism runtime: run a single-threaded libevent server's handlers on many cores, under the
 * conflict constraints Prism's analyzer computed for this exact binary.
 *
 * Adoption is a rename per registration call: event_new(base, ...) becomes
 * prism_event_new(base, ...), bufferevent_setcb(bev, ...) becomes prism_bufferevent_setcb(bev, ...),
 * and so on (each also takes the runtime instead: prism_event_new(rt, ...)). The server keeps calling event_base_dispatch(base), event_add, event_del,
 * event_free and the bufferevent API as before.
 *
 *   prism_runtime *rt = prism_runtime_new(base, NULL);   // after creating the base
 *   struct event *ev = prism_event_new(rt, fd, EV_READ | EV_PERSIST, on_read, conn);
 *   event_base_dispatch(base);
 *   prism_runtime_free(rt);
 *
 * Promises:
 *  - Safe by default. Handlers run concurrently only where the ConstraintSet for this binary
 *    (matched by GNU build-id) allows it. No constraints, unreadable or foreign constraints, or an
 *    unknown scheduler name: serial mode, exactly libevent's behaviour, and one warning line on
 *    stderr. A handler the ConstraintSet does not name conflicts with every handler.
 *  - An invocation is atomic with respect to every handler it conflicts with; a persistent event
 *    does not fire again while an invocation of it is queued or running.
 *  - Thread-safety: prism_runtime_new and prism_runtime_free are called from the thread that runs
 *    the event loop; registration calls may be made from the loop thread or from handlers.
 *    libevent's pthread support must be enabled (evthread_use_pthreads()) before the base is
 *    created; prism_runtime_new fails with a clear message when a parallel scheduler is requested
 *    on a base created without locking.
 *  - Handlers run on worker threads, or inline on the loop thread when a hand-off cannot pay
 *    (short or exclusive invocations), as in plain libevent. Nothing queued is ever dropped:
 *    prism_runtime_drain/prism_runtime_free wait for every queued and running invocation.
 *  - Every callback must be registered through a prism_* wrapper. Before workers get work after
 *    being idle, the runtime checks every event on the base; on one whose callback was registered
 *    directly with libevent (event_new, bufferevent_setcb, evconnlistener_new, evhttp, ...) it
 *    names the callback on stderr and runs serial from then on. (Callbacks that never become
 *    events, such as evbuffer_add_cb, it cannot see; `prism analyze` reports such APIs.)
 *  - A handler is identified by the callback's address, through this binary's symbol table
 *    (name, plus file for `static` handlers); the spelled name (#cb) is used only for code without
 *    a symbol table (a stripped binary), which the runtime says once on stderr.
 *  - Freeing an event or bufferevent from any handler is safe. event_del/event_free keep
 *    libevent's promise: once they return, the event's handler does not run (see Teardown).
 *  - In a parallel mode libevent calls a runtime trampoline, so event_get_callback() and
 *    event_get_callback_arg() (and bufferevent_getcb()) return the runtime's values, not yours.
 *    Bufferevents given to prism_bufferevent_setcb get libevent's locking turned on.
 *
 * Environment (read by prism_runtime_new when the options leave a field at its default):
 *   PRISM_CONSTRAINTS=FILE                 ConstraintSet written by `prism analyze --emit-constraints`
 *   PRISM_SCHEDULER=serial|huecolor|exact  scheduler (default: exact when constraints load)
 *   PRISM_WORKERS=N                        worker threads (default: number of cores)
 *   PRISM_CHECK=1                          checker mode: abort with a report on conflicting overlap
 *   PRISM_AGENT_SOCKET=PATH                the scheduler agent's Unix socket
 */
#ifndef PRISM_RUNTIME_H_
#define PRISM_RUNTIME_H_

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stddef.h>
#include <stdint.h>

#include "prism/annotations.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct prism_runtime prism_runtime;

enum prism_scheduler {
  PRISM_SCHEDULER_DEFAULT = 0, /* PRISM_SCHEDULER, else exact (serial without constraints) */
  PRISM_SCHEDULER_SERIAL,
  PRISM_SCHEDULER_HUECOLOR,
  PRISM_SCHEDULER_EXACT
};

/* Options in one plain struct. Zero-initialized (or prism_options_init) means "defaults plus
 * environment" for every field. */
struct prism_options {
  const char *constraints_path; /* NULL: PRISM_CONSTRAINTS, then the agent, then none */
  enum prism_scheduler scheduler;
  int workers;                  /* 0: PRISM_WORKERS, else the number of cores */
  int check;                    /* 0: PRISM_CHECK; 1: checker on; -1: checker off */
  /* NULL: PRISM_AGENT_SOCKET, else /run/prism/agent.sock. Asked only when the agent client
   * (//lib/runtime:agent_client) is linked; deadline PRISM_AGENT_TIMEOUT_MS (default 200). */
  const char *agent_socket;
};

void prism_options_init(struct prism_options *opts);

/* Creates the runtime for `base`. `opts` may be NULL. Returns NULL only on a fatal error (out of
 * memory, base without thread support while a parallel scheduler was requested), with a message
 * on stderr; missing constraints are not fatal (serial mode). */
prism_runtime *prism_runtime_new(struct event_base *base, const struct prism_options *opts);

/* Drains running and queued invocations, stops the workers, frees the runtime. Events created
 * through the runtime must be freed (event_free) before or after, as with libevent. */
void prism_runtime_free(prism_runtime *rt);

/* "serial", "huecolor" or "exact": the mode actually in force after the constraint checks. */
const char *prism_runtime_mode(const prism_runtime *rt);

/* Number of worker threads (0 in serial mode). */
int prism_runtime_workers(const prism_runtime *rt);

/* Blocks until every queued and running invocation has finished. event_base_loopexit and
 * event_base_loopbreak stop the loop at once, as in libevent, while handlers may still run on
 * workers; call this (or prism_runtime_free) after event_base_dispatch returns to drain them.
 * Nothing queued is ever dropped. Call from the loop thread, never from a handler. */
void prism_runtime_drain(prism_runtime *rt);

/* ---- Registration: the same arguments and results as libevent's own, plus the runtime. The
 * macros capture the handler's identity (its name, and the file for `static` handlers). */

struct event *prism_event_new_named(prism_runtime *rt, evutil_socket_t fd, short what,
                                    event_callback_fn cb, void *arg, const char *cb_name,
                                    const char *cb_file);
int prism_event_assign_named(prism_runtime *rt, struct event *ev, evutil_socket_t fd, short what,
                             event_callback_fn cb, void *arg, const char *cb_name,
                             const char *cb_file);
int prism_base_once_named(prism_runtime *rt, evutil_socket_t fd, short what,
                          event_callback_fn cb, void *arg, const struct timeval *tv,
                          const char *cb_name, const char *cb_file);
void prism_bufferevent_setcb_named(prism_runtime *rt, struct bufferevent *bev,
                                   bufferevent_data_cb readcb, bufferevent_data_cb writecb,
                                   bufferevent_event_cb eventcb, void *arg,
                                   const char *readcb_name, const char *writecb_name,
                                   const char *eventcb_name, const char *cb_file);
struct evconnlistener *prism_evconnlistener_new_bind_named(
    prism_runtime *rt, evconnlistener_cb cb, void *arg, unsigned flags, int backlog,
    const struct sockaddr *sa, int socklen, const char *cb_name, const char *cb_file);

struct evconnlistener *prism_evconnlistener_new_named(prism_runtime *rt, evconnlistener_cb cb,
                                                      void *arg, unsigned flags, int backlog,
                                                      evutil_socket_t fd, const char *cb_name,
                                                      const char *cb_file);

/* The same calls with libevent's own first argument: the runtime is the one made for the base
 * (the event's base, the bufferevent's base), and a base no runtime serves gets plain libevent.
 * A port of a server is then a rename of each call, with no runtime pointer to pass around. */
prism_runtime *prism_runtime_of_base(const struct event_base *base); /* NULL: none */
struct event *prism_base_event_new_named(struct event_base *base, evutil_socket_t fd, short what,
                                         event_callback_fn cb, void *arg, const char *cb_name,
                                         const char *cb_file);
int prism_base_event_assign_named(struct event *ev, struct event_base *base, evutil_socket_t fd,
                                  short what, event_callback_fn cb, void *arg,
                                  const char *cb_name, const char *cb_file);
int prism_base_base_once_named(struct event_base *base, evutil_socket_t fd, short what,
                               event_callback_fn cb, void *arg, const struct timeval *tv,
                               const char *cb_name, const char *cb_file);
void prism_bev_bufferevent_setcb_named(struct bufferevent *bev, bufferevent_data_cb readcb,
                                       bufferevent_data_cb writecb, bufferevent_event_cb eventcb,
                                       void *arg, const char *readcb_name,
                                       const char *writecb_name, const char *eventcb_name,
                                       const char *cb_file);
struct evconnlistener *prism_base_evconnlistener_new_bind_named(
    struct event_base *base, evconnlistener_cb cb, void *arg, unsigned flags, int backlog,
    const struct sockaddr *sa, int socklen, const char *cb_name, const char *cb_file);
struct evconnlistener *prism_base_evconnlistener_new_named(struct event_base *base,
                                                           evconnlistener_cb cb, void *arg,
                                                           unsigned flags, int backlog,
                                                           evutil_socket_t fd,
                                                           const char *cb_name,
                                                           const char *cb_file);

/* Each macro takes either the runtime or libevent's own first argument, chosen by its type
 * (_Generic in C, overloads in C++): prism_event_new(rt, ...) or prism_event_new(base, ...),
 * prism_event_assign(rt, ev, ...) or prism_event_assign(ev, base, ...), and
 * prism_bufferevent_setcb(rt, bev, ...) or prism_bufferevent_setcb(bev, ...) (by arity). */
#ifdef __cplusplus
}
inline auto prism_pick_event_new_(prism_runtime *) { return &prism_event_new_named; }
inline auto prism_pick_event_new_(struct event_base *) { return &prism_base_event_new_named; }
inline auto prism_pick_event_assign_(prism_runtime *) { return &prism_event_assign_named; }
inline auto prism_pick_event_assign_(struct event *) { return &prism_base_event_assign_named; }
inline auto prism_pick_base_once_(prism_runtime *) { return &prism_base_once_named; }
inline auto prism_pick_base_once_(struct event_base *) { return &prism_base_base_once_named; }
inline auto prism_pick_listener_bind_(prism_runtime *) {
  return &prism_evconnlistener_new_bind_named;
}
inline auto prism_pick_listener_bind_(struct event_base *) {
  return &prism_base_evconnlistener_new_bind_named;
}
inline auto prism_pick_listener_(prism_runtime *) { return &prism_evconnlistener_new_named; }
inline auto prism_pick_listener_(struct event_base *) {
  return &prism_base_evconnlistener_new_named;
}
#define PRISM_PICK_(kind, first, rt_fn, base_fn) prism_pick_##kind##_(first)
extern "C" {
#else
#define PRISM_PICK_(kind, first, rt_fn, base_fn) \
  _Generic((first), struct event_base *: base_fn, struct event *: base_fn, default: rt_fn)
#endif

#define prism_event_new(rt, fd, what, cb, arg)                                              \
  PRISM_PICK_(event_new, rt, prism_event_new_named, prism_base_event_new_named)(            \
      (rt), (fd), (what), (cb), (arg), #cb, __FILE__)
#define prism_event_assign(rt, ev, fd, what, cb, arg)                                       \
  PRISM_PICK_(event_assign, rt, prism_event_assign_named, prism_base_event_assign_named)(   \
      (rt), (ev), (fd), (what), (cb), (arg), #cb, __FILE__)
#define prism_evtimer_new(rt, cb, arg) prism_event_new((rt), -1, 0, cb, (arg))
#define prism_evtimer_assign(rt, ev, cb, arg) prism_event_assign((rt), (ev), -1, 0, cb, (arg))
#define prism_evsignal_new(rt, signum, cb, arg) \
  prism_event_new((rt), (signum), EV_SIGNAL | EV_PERSIST, cb, (arg))
#define prism_base_once(rt, fd, what, cb, arg, tv)                                          \
  PRISM_PICK_(base_once, rt, prism_base_once_named, prism_base_base_once_named)(            \
      (rt), (fd), (what), (cb), (arg), (tv), #cb, __FILE__)
#define PRISM_SETCB_RT_(rt, bev, readcb, writecb, eventcb, arg)                              \
  prism_bufferevent_setcb_named((rt), (bev), (readcb), (writecb), (eventcb), (arg), #readcb, \
                                #writecb, #eventcb, __FILE__)
#define PRISM_SETCB_BEV_(bev, readcb, writecb, eventcb, arg)                                 \
  prism_bev_bufferevent_setcb_named((bev), (readcb), (writecb), (eventcb), (arg), #readcb,   \
                                    #writecb, #eventcb, __FILE__)
#define PRISM_SETCB_PICK_(a, b, c, d, e, f, name, ...) name
#define prism_bufferevent_setcb(...) \
  PRISM_SETCB_PICK_(__VA_ARGS__, PRISM_SETCB_RT_, PRISM_SETCB_BEV_, unused)(__VA_ARGS__)
#define prism_evconnlistener_new_bind(rt, cb, arg, flags, backlog, sa, socklen)            \
  PRISM_PICK_(listener_bind, rt, prism_evconnlistener_new_bind_named,                     \
              prism_base_evconnlistener_new_bind_named)(                                  \
      (rt), (cb), (arg), (flags), (backlog), (sa), (socklen), #cb, __FILE__)
#define prism_evconnlistener_new(rt, cb, arg, flags, backlog, fd)                         \
  PRISM_PICK_(listener, rt, prism_evconnlistener_new_named,                              \
              prism_base_evconnlistener_new_named)(                                      \
      (rt), (cb), (arg), (flags), (backlog), (fd), #cb, __FILE__)

/* ---- Teardown: libevent's promise that an event's callback does not run after event_del or
 * event_free returns. In a parallel mode an invocation may be queued or running on a worker when
 * the server deletes its event, so these cancel an invocation that has not begun and wait for one
 * that is running on another thread (not when called from that invocation itself, exactly as
 * libevent's event_del does with threads), then do libevent's event_del/event_free. The runtime
 * argument may be NULL: the event's own record names its runtime. Any other event (serial mode, an
 * event the runtime did not create) is handed to libevent unchanged.
 *
 * This header maps plain event_del(ev), event_del_block(ev) and event_free(ev) to them, so the
 * usual teardown `event_free(c->ev); free(c);` stays correct unmodified in every file that
 * includes it. Files that free events of the runtime without including it get libevent's
 * functions, and an invocation queued before them still runs (on intact records, with its
 * arguments), as it does after event_del_noblock (which must not wait: left to libevent). Define
 * PRISM_NO_TEARDOWN_MACROS before including to keep libevent's names untouched. */
int prism_event_del(prism_runtime *rt, struct event *ev);
void prism_event_free(prism_runtime *rt, struct event *ev);

#ifndef PRISM_NO_TEARDOWN_MACROS
#define event_del(ev) prism_event_del(NULL, (ev))
#define event_free(ev) prism_event_free(NULL, (ev))
#define event_del_block(ev) prism_event_del(NULL, (ev))
#endif

/* ---- Telemetry: where parallelism was lost, per constraint. */

struct prism_constraint_stat {
  const char *waiting_handler; /* held back */
  const char *running_handler; /* because this one was running */
  int kind;                    /* 1 global, 2 context */
  uint64_t waits;
  uint64_t wait_nanos;
};

/* Copies up to `max` constraint stats, most costly first, into `out`; returns how many exist.
 * The strings stay valid until prism_runtime_free. */
size_t prism_runtime_constraint_stats(const prism_runtime *rt, struct prism_constraint_stat *out,
                                      size_t max);

#ifdef __cplusplus
}
#endif

#endif /* PRISM_RUNTIME_H_ */
