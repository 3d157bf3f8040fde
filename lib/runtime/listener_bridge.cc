// Connection listeners under the runtime: a record per accepted connection
// (each accept is its own fd). A queued accept uses the listener, so free a
// listener only after prism_runtime_drain (as after plain libevent's loop).
#include <event2/listener.h>
#include <sys/socket.h>

#include <cstring>

#include "lib/runtime/runtime_state.h"

using prism::runtime::Job;

namespace prism {
namespace runtime {

struct ListenerRecord {
  prism_runtime* rt;
  evconnlistener_cb cb;
  void* arg;
  int row;
  const char* name;
};

void DeleteRecord(ListenerRecord* l) { delete l; }

}  // namespace runtime
}  // namespace prism

using prism::runtime::ListenerRecord;

namespace {

struct AcceptJob {
  Job job;  // First member.
  ListenerRecord* l;
  evconnlistener* listener;
  evutil_socket_t fd;
  sockaddr_storage addr;
  int socklen;
};

void AcceptRun(Job* job) {
  AcceptJob* a = reinterpret_cast<AcceptJob*>(job);
  a->l->cb(a->listener, a->fd, reinterpret_cast<sockaddr*>(&a->addr),
           a->socklen, a->l->arg);
}

void AcceptFinish(Job* job) {
  AcceptJob* a = reinterpret_cast<AcceptJob*>(job);
  prism_runtime* rt = a->l->rt;
  rt->NoteCompletion();
  const bool counted = !job->ran_inline;
  delete a;
  if (counted) rt->InflightDec();
}

void AcceptTrampoline(evconnlistener* listener, evutil_socket_t fd,
                      sockaddr* addr, int socklen, void* arg) {
  ListenerRecord* l = static_cast<ListenerRecord*>(arg);
  AcceptJob* a = new AcceptJob;
  a->job.run = AcceptRun;
  a->job.finish = AcceptFinish;
  a->job.handler = l->row;
  a->job.ctx = l->arg;
  a->job.name = l->name;
  a->l = l;
  a->listener = listener;
  a->fd = fd;
  std::memset(&a->addr, 0, sizeof(a->addr));
  a->socklen = socklen;
  if (addr != nullptr && socklen > 0 &&
      static_cast<size_t>(socklen) <= sizeof(a->addr)) {
    std::memcpy(&a->addr, addr, socklen);
  }
  l->rt->Dispatch(&a->job, prism_runtime::Pace::kNever);
}

ListenerRecord* NewListenerRecord(prism_runtime* rt, evconnlistener_cb cb,
                                  void* arg, const char* cb_name,
                                  const char* cb_file) {
  ListenerRecord* l = new ListenerRecord{
      rt, cb, arg, rt->Row(reinterpret_cast<const void*>(cb), cb_name, cb_file),
      cb_name};
  std::lock_guard<std::mutex> lock(rt->registry_mu);
  rt->listeners.push_back(l);
  return l;
}

}  // namespace

extern "C" {

struct evconnlistener* prism_evconnlistener_new_bind_named(
    prism_runtime* rt, evconnlistener_cb cb, void* arg, unsigned flags,
    int backlog, const struct sockaddr* sa, int socklen, const char* cb_name,
    const char* cb_file) {
  if (rt == nullptr) return nullptr;
  if (!rt->parallel() || cb == nullptr) {
    return evconnlistener_new_bind(rt->base, cb, arg, flags, backlog, sa,
                                   socklen);
  }
  ListenerRecord* l = NewListenerRecord(rt, cb, arg, cb_name, cb_file);
  evconnlistener* listener =
      evconnlistener_new_bind(rt->base, AcceptTrampoline, l,
                              flags | LEV_OPT_THREADSAFE, backlog, sa, socklen);
  if (listener != nullptr) prism::runtime::NoteListener(rt, listener);
  return listener;
}

struct evconnlistener* prism_evconnlistener_new_named(
    prism_runtime* rt, evconnlistener_cb cb, void* arg, unsigned flags,
    int backlog, evutil_socket_t fd, const char* cb_name, const char* cb_file) {
  if (rt == nullptr) return nullptr;
  if (!rt->parallel() || cb == nullptr) {
    return evconnlistener_new(rt->base, cb, arg, flags, backlog, fd);
  }
  ListenerRecord* l = NewListenerRecord(rt, cb, arg, cb_name, cb_file);
  evconnlistener* listener = evconnlistener_new(
      rt->base, AcceptTrampoline, l, flags | LEV_OPT_THREADSAFE, backlog, fd);
  if (listener != nullptr) prism::runtime::NoteListener(rt, listener);
  return listener;
}

}  // extern "C"
