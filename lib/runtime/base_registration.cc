// Which runtime serves an event base, and the registration calls that take
// libevent's own first argument (the base, the event, the bufferevent) and
// find the runtime from it: a port of a server is then a rename of each call
// (event_new -> prism_event_new), with no runtime pointer threaded through
// the code. A base no runtime serves gets plain libevent, as the program
// asked for.
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "lib/runtime/runtime_state.h"

namespace prism {
namespace runtime {
namespace {

struct BaseRegistry {
  std::mutex mu;
  absl::flat_hash_map<const event_base*, prism_runtime*> runtimes;
};

BaseRegistry& Bases() {
  static BaseRegistry* const registry = new BaseRegistry;  // Outlives exit.
  return *registry;
}

}  // namespace

prism_runtime* RegisterBase(event_base* base, prism_runtime* rt) {
  BaseRegistry& registry = Bases();
  std::lock_guard<std::mutex> lock(registry.mu);
  registry.runtimes[base] = rt;
  return rt;
}

void UnregisterBase(const prism_runtime* rt) {
  BaseRegistry& registry = Bases();
  std::lock_guard<std::mutex> lock(registry.mu);
  auto it = registry.runtimes.find(rt->base);
  if (it != registry.runtimes.end() && it->second == rt)
    registry.runtimes.erase(it);
}

}  // namespace runtime
}  // namespace prism

extern "C" {

prism_runtime* prism_runtime_of_base(const struct event_base* base) {
  if (base == nullptr) return nullptr;
  prism::runtime::BaseRegistry& registry = prism::runtime::Bases();
  std::lock_guard<std::mutex> lock(registry.mu);
  auto it = registry.runtimes.find(base);
  return it == registry.runtimes.end() ? nullptr : it->second;
}

struct event* prism_base_event_new_named(struct event_base* base,
                                         evutil_socket_t fd, short what,
                                         event_callback_fn cb, void* arg,
                                         const char* cb_name,
                                         const char* cb_file) {
  prism_runtime* rt = prism_runtime_of_base(base);
  if (rt == nullptr) return event_new(base, fd, what, cb, arg);
  return prism_event_new_named(rt, fd, what, cb, arg, cb_name, cb_file);
}

int prism_base_event_assign_named(struct event* ev, struct event_base* base,
                                  evutil_socket_t fd, short what,
                                  event_callback_fn cb, void* arg,
                                  const char* cb_name, const char* cb_file) {
  prism_runtime* rt = prism_runtime_of_base(base);
  if (rt == nullptr) return event_assign(ev, base, fd, what, cb, arg);
  return prism_event_assign_named(rt, ev, fd, what, cb, arg, cb_name, cb_file);
}

int prism_base_base_once_named(struct event_base* base, evutil_socket_t fd,
                               short what, event_callback_fn cb, void* arg,
                               const struct timeval* tv, const char* cb_name,
                               const char* cb_file) {
  prism_runtime* rt = prism_runtime_of_base(base);
  if (rt == nullptr) return event_base_once(base, fd, what, cb, arg, tv);
  return prism_base_once_named(rt, fd, what, cb, arg, tv, cb_name, cb_file);
}

void prism_bev_bufferevent_setcb_named(
    struct bufferevent* bev, bufferevent_data_cb readcb,
    bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void* arg,
    const char* readcb_name, const char* writecb_name, const char* eventcb_name,
    const char* cb_file) {
  prism_runtime* rt = bev != nullptr
                          ? prism_runtime_of_base(bufferevent_get_base(bev))
                          : nullptr;
  if (rt == nullptr) {
    bufferevent_setcb(bev, readcb, writecb, eventcb, arg);
    return;
  }
  prism_bufferevent_setcb_named(rt, bev, readcb, writecb, eventcb, arg,
                                readcb_name, writecb_name, eventcb_name,
                                cb_file);
}

struct evconnlistener* prism_base_evconnlistener_new_bind_named(
    struct event_base* base, evconnlistener_cb cb, void* arg, unsigned flags,
    int backlog, const struct sockaddr* sa, int socklen, const char* cb_name,
    const char* cb_file) {
  prism_runtime* rt = prism_runtime_of_base(base);
  if (rt == nullptr)
    return evconnlistener_new_bind(base, cb, arg, flags, backlog, sa, socklen);
  return prism_evconnlistener_new_bind_named(rt, cb, arg, flags, backlog, sa,
                                             socklen, cb_name, cb_file);
}

struct evconnlistener* prism_base_evconnlistener_new_named(
    struct event_base* base, evconnlistener_cb cb, void* arg, unsigned flags,
    int backlog, evutil_socket_t fd, const char* cb_name, const char* cb_file) {
  prism_runtime* rt = prism_runtime_of_base(base);
  if (rt == nullptr)
    return evconnlistener_new(base, cb, arg, flags, backlog, fd);
  return prism_evconnlistener_new_named(rt, cb, arg, flags, backlog, fd,
                                        cb_name, cb_file);
}

}  // extern "C"
