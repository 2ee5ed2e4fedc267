// watchLoopIdle: a ref'd uv_prepare that calls back when the loop has nothing left but itself
// (and `stuck` requests that can never complete). A forked child uses it to end the way the end
// of its loop would, without ever letting uv_run() return: Node then calls
// NodePlatform::DrainTasks, which waits for V8 worker tasks that no thread of the child will
// ever run, and hangs (measured: a natural end after a GC-heavy parent hung this way).
#include "common.h"

#include <errno.h>
#include <uv.h>

namespace multiproc {

struct IdleWatcher {
  uv_prepare_t handle;
  napi_env env;
  napi_ref callback;
  napi_ref self;
  napi_async_context async;
  unsigned int stuck;
  bool closed;
  int owners;  // the JS wrapper and the uv handle
};

static void Release(IdleWatcher* w) {
  if (--w->owners == 0) delete w;
}

static void OnClosed(uv_handle_t* h) { Release(static_cast<IdleWatcher*>(h->data)); }

static void Stop(IdleWatcher* w) {
  if (w->closed) return;
  w->closed = true;
  uv_prepare_stop(&w->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->handle), OnClosed);
  napi_delete_reference(w->env, w->callback);
  napi_delete_reference(w->env, w->self);
  napi_async_destroy(w->env, w->async);
}

// uv_loop_alive() minus this handle and the stuck requests.
static bool Idle(const IdleWatcher* w) {
  const uv_loop_t* loop = w->handle.loop;
  return loop->active_handles <= 1 && loop->active_reqs.count <= w->stuck &&
         loop->pending_queue.next == &loop->pending_queue && loop->closing_handles == nullptr;
}

static void Call(IdleWatcher* w, bool again) {
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, self, arg, ignored;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_reference_value(env, w->self, &self);
  napi_get_boolean(env, again, &arg);
  if (napi_make_callback(env, w->async, self, cb, 1, &arg, &ignored) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

static void OnPrepare(uv_prepare_t* h) {
  IdleWatcher* w = static_cast<IdleWatcher*>(h->data);
  if (w->closed || !Idle(w)) return;
  Call(w, false);  // e.g. emit 'beforeExit' (or lower `stuck`); microtasks run when it returns
  if (!w->closed && Idle(w)) Call(w, true);  // still nothing to do: e.g. exit
}

static void Finalize(napi_env, void* data, void*) {
  IdleWatcher* w = static_cast<IdleWatcher*>(data);
  Stop(w);
  Release(w);
}

static napi_value IdleSetStuck(napi_env env, napi_callback_info info) {
  Args a;
  void* data = nullptr;
  int32_t stuck;
  if (!GetArgs(env, info, &a) || napi_unwrap(env, a.self, &data) != napi_ok || data == nullptr) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return ThrowTypeError(env, "setStuck called on an object that is not a loop-idle watcher.");
  }
  if (!ArgInt32(env, a.argv[0], "stuckRequests", &stuck)) return nullptr;
  if (stuck < 0) return ThrowRangeError(env, "Expected `stuckRequests` to be a non-negative integer.");
  static_cast<IdleWatcher*>(data)->stuck = static_cast<unsigned int>(stuck);
  return Undefined(env);
}

static napi_value IdleClose(napi_env env, napi_callback_info info) {
  Args a;
  void* data = nullptr;
  if (!GetArgs(env, info, &a) || napi_unwrap(env, a.self, &data) != napi_ok || data == nullptr) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return ThrowTypeError(env, "close called on an object that is not a loop-idle watcher.");
  }
  Stop(static_cast<IdleWatcher*>(data));
  return Undefined(env);
}

MP_DECLARE(WatchLoopIdle) {
  Args a;
  int32_t stuck;
  if (!GetArgs(env, info, &a) || !ArgInt32(env, a.argv[0], "stuckRequests", &stuck) ||
      !ArgFunction(env, a.argv[1], "callback")) {
    return nullptr;
  }
  if (stuck < 0) return ThrowRangeError(env, "Expected `stuckRequests` to be a non-negative integer.");
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    return ThrowErrno(env, "napi_get_uv_event_loop", EINVAL);
  }
  IdleWatcher* w = new IdleWatcher();
  w->env = env;
  w->stuck = static_cast<unsigned int>(stuck);
  w->closed = false;
  uv_prepare_init(loop, &w->handle);
  w->handle.data = w;
  w->owners = 2;
  uv_prepare_start(&w->handle, OnPrepare);
  napi_value obj, name;
  napi_property_descriptor methods[] = {
      {"close", nullptr, IdleClose, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setStuck", nullptr, IdleSetStuck, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_create_object(env, &obj);
  napi_define_properties(env, obj, 2, methods);
  napi_create_string_utf8(env, "multiproc.LoopIdleWatcher", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, obj, name, &w->async);
  napi_create_reference(env, a.argv[1], 1, &w->callback);
  napi_create_reference(env, obj, 1, &w->self);
  napi_wrap(env, obj, w, Finalize, nullptr, nullptr);
  return obj;
}

}  // namespace multiproc
