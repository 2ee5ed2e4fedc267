// Readiness bindings: poll(2) that blocks (pollReadable) and a uv_poll on Node's loop that
// calls back through napi_make_callback, so microtasks run after it (watchReadable).
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <mutex>
#include <unordered_map>
#include <vector>
#include <uv.h>

namespace multiproc {

// `value` as pollfds waiting for POLLIN, or false (a TypeError thrown naming the element).
static bool ArgPollFds(napi_env env, napi_value value, std::vector<struct pollfd>* pfds) {
  bool is_array = false;
  napi_is_array(env, value, &is_array);
  if (!is_array) {
    ThrowTypeError(env, "Expected `fds` to be an array of file descriptors.");
    return false;
  }
  uint32_t len = 0;
  napi_get_array_length(env, value, &len);
  pfds->resize(len);
  for (uint32_t i = 0; i < len; i++) {
    napi_value item;
    int fd;
    if (napi_get_element(env, value, i, &item) != napi_ok) return false;
    std::string name = "fds[" + std::to_string(i) + "]";
    if (!ArgFd(env, item, name.c_str(), &fd)) return false;
    (*pfds)[i] = {fd, POLLIN, 0};
  }
  return true;
}

MP_DECLARE(PollReadable) {
  Args a;
  int64_t timeout_ms;
  std::vector<struct pollfd> pfds;
  if (!GetArgs(env, info, &a) || !ArgPollFds(env, a.argv[0], &pfds) ||
      !ArgTimeout(env, a.argv[1], "timeoutMs", &timeout_ms)) {
    return nullptr;
  }
  int64_t deadline = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
  int n;
  for (;;) {
    int wait_ms = -1;
    if (deadline >= 0) {
      int64_t left = deadline - NowMs();
      if (left < 0) left = 0;
      wait_ms = left > INT_MAX ? INT_MAX : static_cast<int>(left);
    }
    n = poll(pfds.data(), pfds.size(), wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ThrowErrno(env, "poll", errno);
    if (n == 0 && deadline >= 0 && NowMs() < deadline) continue;  // INT_MAX slice elapsed
    break;
  }
  napi_value result;
  napi_create_array(env, &result);
  uint32_t out = 0;
  for (const struct pollfd& p : pfds) {
    if (p.revents & POLLNVAL) return ThrowErrno(env, "poll", EBADF);
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) napi_set_element(env, result, out++, Int32(env, p.fd));
  }
  return result;
}

// Polls `fds` without blocking, again and again, for up to `spinMicros` µs, until one is readable
// (or hung up, in error, closed). Returns its index in `fds`, or -1 when none became ready in
// time. The spin of a receive awaiting a reply on a socket (src/connection/reader.ts): the other
// fds are the process's other connections with a receive waiting, so one of them that becomes
// ready ends the spin instead of waiting behind it.
MP_DECLARE(SpinReadable) {
  Args a;
  uint64_t spin_us;
  std::vector<struct pollfd> pfds;
  if (!GetArgs(env, info, &a) || !ArgPollFds(env, a.argv[0], &pfds) ||
      !ArgSize(env, a.argv[1], "spinMicros", &spin_us)) {
    return nullptr;
  }
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    int n = poll(pfds.data(), pfds.size(), 0);
    if (n > 0) break;
    if (n < 0 && errno != EINTR) return ThrowErrno(env, "poll", errno);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t spent = static_cast<uint64_t>((now.tv_sec - start.tv_sec) * 1000000 + (now.tv_nsec - start.tv_nsec) / 1000);
    if (spent >= spin_us) return Int32(env, -1);
  }
  for (size_t i = 0; i < pfds.size(); i++) {
    if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) return Int32(env, static_cast<int32_t>(i));
  }
  return Int32(env, -1);
}

// One watchReadable(). Owned jointly by the JS wrapper (until finalized) and the uv handle
// (until its close callback); freed when both are gone. While active, `self` and `callback`
// are strong references, so an active watcher is never collected.
struct Watcher {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_ref self;
  napi_async_context async;
  int fd;
  int events;  // what uv_poll_start was given (re-armed after an error, see OnPoll)
  bool closed;
  int owners;
};

static void Release(Watcher* w) {
  if (--w->owners == 0) delete w;
}

static void OnClosed(uv_handle_t* h) { Release(static_cast<Watcher*>(h->data)); }

// The open watchers by fd. libuv keeps an fd in its loop's table until the poll handle is
// stopped; an fd closed before that leaves the number registered, and the next handle on the
// reused number fails with EEXIST (uv_poll_init), or a stream's events go to the stale watcher.
// So every close of an fd through this addon (close, dup2 onto it) first closes the watchers on
// it (CloseWatchersOn). A mutex: the addon may be loaded by worker threads too (their own loops).
static std::mutex watchers_mutex;
static std::unordered_multimap<int, Watcher*> watchers_by_fd;

static void Forget(Watcher* w) {
  std::lock_guard<std::mutex> lock(watchers_mutex);
  auto range = watchers_by_fd.equal_range(w->fd);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second == w) {
      watchers_by_fd.erase(it);
      return;
    }
  }
}

static void Stop(Watcher* w) {
  if (w->closed) return;
  w->closed = true;
  Forget(w);
  uv_poll_stop(&w->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->handle), OnClosed);
  napi_delete_reference(w->env, w->callback);
  napi_delete_reference(w->env, w->self);
  napi_async_destroy(w->env, w->async);
}

static void OnPoll(uv_poll_t* h, int status, int /*events*/) {
  // Errors (status < 0) are reported as readiness too: the caller's read will see them.
  Watcher* w = static_cast<Watcher*>(h->data);
  if (w->closed) return;
  // On EPOLLERR (e.g. ECONNRESET: the peer closed a socket with bytes unread) libuv stops the
  // handle before this callback (uv__poll_io) and never polls it again, while the owner still
  // holds an open watcher: a receive that waits after reading what came with the error would
  // never be called back. Re-arm it: a watcher stays on until close(), level-triggered.
  if (status < 0) uv_poll_start(&w->handle, w->events, OnPoll);  // fails only if the fd is gone: the read says so
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, self, ignored;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_reference_value(env, w->self, &self);
  if (napi_make_callback(env, w->async, self, cb, 0, nullptr, &ignored) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);  // -> 'uncaughtException', like any I/O callback
  }
  napi_close_handle_scope(env, scope);
}

static void Finalize(napi_env /*env*/, void* data, void* /*hint*/) {
  Watcher* w = static_cast<Watcher*>(data);
  Stop(w);  // only reachable while active at environment teardown
  Release(w);
}

static Watcher* Unwrap(napi_env env, napi_callback_info info) {
  Args a;
  void* data = nullptr;
  if (!GetArgs(env, info, &a)) return nullptr;
  if (napi_unwrap(env, a.self, &data) != napi_ok || data == nullptr) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    ThrowTypeError(env, "FdWatcher method called on an object that is not an FdWatcher.");
    return nullptr;
  }
  return static_cast<Watcher*>(data);
}

static napi_value WatcherClose(napi_env env, napi_callback_info info) {
  Watcher* w = Unwrap(env, info);
  if (w == nullptr) return nullptr;
  Stop(w);
  return Undefined(env);
}

static napi_value WatcherRef(napi_env env, napi_callback_info info) {
  Watcher* w = Unwrap(env, info);
  if (w == nullptr) return nullptr;
  if (!w->closed) uv_ref(reinterpret_cast<uv_handle_t*>(&w->handle));
  return Undefined(env);
}

static napi_value WatcherUnref(napi_env env, napi_callback_info info) {
  Watcher* w = Unwrap(env, info);
  if (w == nullptr) return nullptr;
  if (!w->closed) uv_unref(reinterpret_cast<uv_handle_t*>(&w->handle));
  return Undefined(env);
}

// A uv_poll for `events` (UV_READABLE or UV_WRITABLE, with UV_DISCONNECT) wrapped as an FdWatcher.
static napi_value Watch(napi_env env, napi_callback_info info, int events) {
  Args a;
  int fd;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd) ||
      !ArgFunction(env, a.argv[1], "callback")) {
    return nullptr;
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    return ThrowErrno(env, "napi_get_uv_event_loop", EINVAL);
  }
  Watcher* w = new Watcher();
  w->env = env;
  w->fd = fd;
  w->closed = false;
  w->owners = 1;  // the JS wrapper; the uv handle adds one once initialized
  int r = uv_poll_init(loop, &w->handle, fd);  // note: libuv makes `fd` non-blocking
  if (r != 0) {
    delete w;
    return ThrowErrno(env, "uv_poll_init", -r);
  }
  w->handle.data = w;
  w->owners = 2;
  {
    std::lock_guard<std::mutex> lock(watchers_mutex);
    watchers_by_fd.emplace(fd, w);
  }
  w->events = events | UV_DISCONNECT;
  r = uv_poll_start(&w->handle, w->events, OnPoll);
  if (r != 0) {
    w->closed = true;
    Forget(w);
    uv_close(reinterpret_cast<uv_handle_t*>(&w->handle), OnClosed);
    Release(w);
    return ThrowErrno(env, "uv_poll_start", -r);
  }
  napi_value obj, name;
  napi_property_descriptor methods[] = {
      {"close", nullptr, WatcherClose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ref", nullptr, WatcherRef, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unref", nullptr, WatcherUnref, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_create_object(env, &obj);
  napi_define_properties(env, obj, 3, methods);
  napi_create_string_utf8(env, "multiproc.FdWatcher", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, obj, name, &w->async);
  napi_create_reference(env, a.argv[1], 1, &w->callback);
  napi_create_reference(env, obj, 1, &w->self);
  napi_wrap(env, obj, w, Finalize, nullptr, nullptr);
  return obj;
}

MP_DECLARE(WatchReadable) { return Watch(env, info, UV_READABLE); }
MP_DECLARE(WatchWritable) { return Watch(env, info, UV_WRITABLE); }

void CloseWatchersOn(napi_env env, int fd) {
  std::vector<Watcher*> found;
  {
    std::lock_guard<std::mutex> lock(watchers_mutex);
    auto range = watchers_by_fd.equal_range(fd);
    // Only this thread's watchers: another thread's loop cannot be touched from here.
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second->env == env) found.push_back(it->second);
    }
  }
  for (Watcher* w : found) Stop(w);  // its callback never runs again; close()/ref()/unref() do nothing
}

}  // namespace multiproc
