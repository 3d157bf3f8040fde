// The runtime's C++ face: an RAII owner and registration helpers. Everything
// here is a thin wrapper over prism/runtime.h and promises the same.
//
//   prism::Runtime rt(base);                        // after
//   evthread_use_pthreads + event_base_new event* ev = PRISM_EVENT_NEW(rt, fd,
//   EV_READ | EV_PERSIST, &Server::OnRead, conn); event_base_dispatch(base); //
//   ~Runtime drains and frees
//
// Handlers are plain functions, static members or captureless lambdas (they
// convert to libevent callback pointers). A handler is matched to the
// ConstraintSet by its address, through the program's symbol table (see
// prism/runtime.h); the names the macros spell or the functions take are used
// only for code without a symbol table. A lambda has no symbol the analyzer's
// name for it matches, so it runs as the unknown row (conflicting with every
// handler), whatever name it is given.
#ifndef PRISM_RUNTIME_HPP_
#define PRISM_RUNTIME_HPP_

#include <utility>

#include "prism/runtime.h"

namespace prism {

class Runtime {
 public:
  explicit Runtime(event_base* base, const prism_options* opts = nullptr)
      : rt_(prism_runtime_new(base, opts)) {}
  ~Runtime() { prism_runtime_free(rt_); }
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  Runtime(Runtime&& other) noexcept : rt_(std::exchange(other.rt_, nullptr)) {}

  // False when prism_runtime_new failed (its message is on stderr).
  bool ok() const { return rt_ != nullptr; }
  prism_runtime* get() const { return rt_; }
  operator prism_runtime*() const {
    return rt_;
  }  // NOLINT: usable with the C macros.
  const char* mode() const { return prism_runtime_mode(rt_); }
  int workers() const { return prism_runtime_workers(rt_); }
  void Drain() { prism_runtime_drain(rt_); }

  event* EventNew(evutil_socket_t fd, short what, event_callback_fn cb,
                  void* arg, const char* name,
                  const char* file = __builtin_FILE()) {
    return prism_event_new_named(rt_, fd, what, cb, arg, name, file);
  }
  event* TimerNew(event_callback_fn cb, void* arg, const char* name,
                  const char* file = __builtin_FILE()) {
    return prism_event_new_named(rt_, -1, 0, cb, arg, name, file);
  }
  int Once(evutil_socket_t fd, short what, event_callback_fn cb, void* arg,
           const timeval* tv, const char* name,
           const char* file = __builtin_FILE()) {
    return prism_base_once_named(rt_, fd, what, cb, arg, tv, name, file);
  }
  void SetCallbacks(bufferevent* bev, bufferevent_data_cb readcb,
                    const char* read_name, bufferevent_data_cb writecb,
                    const char* write_name, bufferevent_event_cb eventcb,
                    const char* event_name, void* arg,
                    const char* file = __builtin_FILE()) {
    prism_bufferevent_setcb_named(rt_, bev, readcb, writecb, eventcb, arg,
                                  read_name, write_name, event_name, file);
  }

 private:
  prism_runtime* rt_;
};

}  // namespace prism

// The C macros work with a prism::Runtime too (it converts to prism_runtime*);
// these spell the handler the way C++ code usually names it ("&Server::OnRead"
// is matched as "Server::OnRead").
#define PRISM_EVENT_NEW(rt, fd, what, cb, arg) \
  prism_event_new((rt), (fd), (what), cb, (arg))
#define PRISM_TIMER_NEW(rt, cb, arg) prism_evtimer_new((rt), cb, (arg))

#endif  // PRISM_RUNTIME_HPP_
