// Asynchronous process-shared futex waits for the synchronization primitives (src/sync).
//
// futexWaitAsync(sab, byteOffset, expected, timeoutMs, callback) hands the wait to a helper
// thread, which sleeps in futex_waitv(2) on two words: the shared one, and a private
// cancellation word of its own. When the wait ends the helper marks its job done and pokes one
// uv_async_t on Node's loop; the loop thread calls `callback(result)` with 'ok' | 'not-equal' |
// 'timed-out' | 'cancelled'. Helpers are reused (an idle pool), created lazily.
//
// fork(): no lock is ever shared between the loop thread and the helpers (job hand-off is two
// atomic words), so a fork at any moment leaves nothing locked. The child has none of the
// helpers: syncAfterFork() (or the first call seen with a new pid) forgets them and the jobs
// they ran, and unrefs the async handle. Their memory is leaked on purpose (a few hundred bytes).
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <vector>

namespace multiproc {

namespace {

enum Result { kOk = 0, kNotEqual = 1, kTimedOut = 2, kCancelled = 3, kError = 4 };

struct Helper {
  std::atomic<int32_t> command{0};  // 1 = a job is ready (private futex word)
  std::atomic<int32_t> cancel{0};   // 1 = give up the current job (private futex word)
  std::atomic<int32_t> done{0};     // 1 = result is ready for the loop thread
  int32_t* word = nullptr;
  int32_t expected = 0;
  int64_t deadline_ns = -1;  // CLOCK_MONOTONIC, -1 = none
  int result = kOk;
  int error = 0;
  // Loop-thread-only fields.
  double id = 0;
  napi_ref sab = nullptr;
  napi_ref callback = nullptr;
};

uv_async_t* g_async = nullptr;
napi_env g_env = nullptr;
napi_async_context g_context = nullptr;
pid_t g_pid = 0;
double g_next_id = 1;
std::vector<Helper*> g_active;
std::vector<Helper*> g_idle;

int64_t NowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

long FutexPrivate(std::atomic<int32_t>* addr, int op, int32_t val) {
  return syscall(SYS_futex, reinterpret_cast<int32_t*>(addr), op | FUTEX_PRIVATE_FLAG, val, nullptr, nullptr, 0);
}

void RunJob(Helper* h) {
  struct futex_waitv waiters[2] = {};
  waiters[0].val = static_cast<uint32_t>(h->expected);
  waiters[0].uaddr = reinterpret_cast<uintptr_t>(h->word);
  waiters[0].flags = FUTEX_32;  // shared: other processes map the same page
  waiters[1].val = 0;
  waiters[1].uaddr = reinterpret_cast<uintptr_t>(&h->cancel);
  waiters[1].flags = FUTEX_32 | FUTEX_PRIVATE_FLAG;
  for (;;) {
    struct timespec ts;
    struct timespec* tp = nullptr;
    if (h->deadline_ns >= 0) {
      ts.tv_sec = static_cast<time_t>(h->deadline_ns / 1000000000);
      ts.tv_nsec = static_cast<long>(h->deadline_ns % 1000000000);
      tp = &ts;
    }
    long r = syscall(SYS_futex_waitv, waiters, 2, 0, tp, CLOCK_MONOTONIC);
    if (r == 0) { h->result = kOk; return; }
    if (r == 1) { h->result = kCancelled; return; }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      // One of the two words differed: cancellation wins.
      h->result = h->cancel.load() != 0 ? kCancelled : kNotEqual;
      return;
    }
    if (errno == ETIMEDOUT) { h->result = kTimedOut; return; }
    h->result = kError;
    h->error = errno;
    return;
  }
}

void* HelperMain(void* arg) {
  Helper* h = static_cast<Helper*>(arg);
  uv_async_t* async = g_async;  // fixed for this process's lifetime (a fork child has no helpers)
  for (;;) {
    while (h->command.load(std::memory_order_acquire) == 0) FutexPrivate(&h->command, FUTEX_WAIT, 0);
    RunJob(h);
    h->command.store(0, std::memory_order_relaxed);
    h->done.store(1, std::memory_order_release);
    uv_async_send(async);
  }
  return nullptr;
}

const char* ResultName(int r) {
  switch (r) {
    case kOk: return "ok";
    case kNotEqual: return "not-equal";
    case kTimedOut: return "timed-out";
    case kCancelled: return "cancelled";
  }
  return "error";
}

void UpdateRef() {
  if (g_async == nullptr) return;
  if (g_active.empty()) uv_unref(reinterpret_cast<uv_handle_t*>(g_async));
  else uv_ref(reinterpret_cast<uv_handle_t*>(g_async));
}

void ForgetAfterFork() {
  // The helpers do not exist in this process; their jobs never complete here.
  g_active.clear();
  g_idle.clear();
  g_pid = getpid();
  UpdateRef();
}

void OnAsync(uv_async_t* /*handle*/) {
  napi_env env = g_env;
  std::vector<Helper*> finished;
  for (size_t i = 0; i < g_active.size();) {
    Helper* h = g_active[i];
    if (h->done.load(std::memory_order_acquire) != 0) {
      finished.push_back(h);
      g_active[i] = g_active.back();
      g_active.pop_back();
    } else {
      ++i;
    }
  }
  UpdateRef();
  for (Helper* h : finished) {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value cb, global, arg, ignored;
    napi_get_reference_value(env, h->callback, &cb);
    napi_delete_reference(env, h->callback);
    napi_delete_reference(env, h->sab);
    h->callback = nullptr;
    h->sab = nullptr;
    int result = h->result;
    h->done.store(0, std::memory_order_relaxed);
    g_idle.push_back(h);
    napi_get_global(env, &global);
    napi_create_string_utf8(env, ResultName(result), NAPI_AUTO_LENGTH, &arg);
    if (napi_make_callback(env, g_context, global, cb, 1, &arg, &ignored) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
    napi_close_handle_scope(env, scope);
  }
}

bool EnsureLoop(napi_env env) {
  if (g_env != nullptr && g_env != env) {
    ThrowTypeError(env, "futexWaitAsync can only be used from the main thread's environment.");
    return false;
  }
  if (g_async == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      ThrowErrno(env, "napi_get_uv_event_loop", EINVAL);
      return false;
    }
    uv_async_t* a = new uv_async_t();
    int r = uv_async_init(loop, a, OnAsync);
    if (r != 0) {
      delete a;
      ThrowErrno(env, "uv_async_init", -r);
      return false;
    }
    g_async = a;
    g_env = env;
    napi_value name, resource;
    napi_create_string_utf8(env, "multiproc.futexWaitAsync", NAPI_AUTO_LENGTH, &name);
    napi_create_object(env, &resource);
    napi_async_init(env, resource, name, &g_context);
    g_pid = getpid();
    uv_unref(reinterpret_cast<uv_handle_t*>(g_async));
  }
  if (g_pid != getpid()) ForgetAfterFork();
  return true;
}

// The int32 at byteOffset of a SharedArrayBuffer (aligned, in range), or nullptr (thrown).
int32_t* Word(napi_env env, napi_value sab, napi_value offset_value) {
  void* data;
  size_t length;
  uint64_t offset;
  if (!SharedArrayBufferData(env, sab, "sab", &data, &length)) return nullptr;
  if (!ArgSize(env, offset_value, "byteOffset", &offset)) return nullptr;
  if (offset % 4 != 0 || offset + 4 > length) {
    ThrowRangeError(env, "Expected `byteOffset` to be a multiple of 4 inside the SharedArrayBuffer.");
    return nullptr;
  }
  return reinterpret_cast<int32_t*>(static_cast<char*>(data) + offset);
}

}  // namespace

MP_DECLARE(FutexWaitAsync) {
  napi_value argv[5];
  size_t argc = 5;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  for (size_t i = argc; i < 5; i++) napi_get_undefined(env, &argv[i]);
  int32_t* word = Word(env, argv[0], argv[1]);
  if (word == nullptr) return nullptr;
  int32_t expected;
  int64_t timeout_ms;
  if (!ArgInt32(env, argv[2], "expected", &expected) || !ArgTimeout(env, argv[3], "timeoutMs", &timeout_ms) ||
      !ArgFunction(env, argv[4], "callback")) {
    return nullptr;
  }
  if (!EnsureLoop(env)) return nullptr;
  Helper* h;
  bool fresh = g_idle.empty();
  if (fresh) {
    h = new Helper();
  } else {
    h = g_idle.back();
    g_idle.pop_back();
  }
  h->word = word;
  h->expected = expected;
  h->deadline_ns = timeout_ms < 0 ? -1 : NowNs() + timeout_ms * 1000000;
  h->result = kOk;
  h->error = 0;
  h->id = g_next_id++;
  h->cancel.store(0, std::memory_order_relaxed);
  napi_create_reference(env, argv[0], 1, &h->sab);
  napi_create_reference(env, argv[4], 1, &h->callback);
  if (fresh) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t thread;
    int r = pthread_create(&thread, &attr, HelperMain, h);
    pthread_attr_destroy(&attr);
    if (r != 0) {
      napi_delete_reference(env, h->sab);
      napi_delete_reference(env, h->callback);
      delete h;
      return ThrowErrno(env, "pthread_create", r);
    }
  }
  g_active.push_back(h);
  UpdateRef();
  h->command.store(1, std::memory_order_release);
  FutexPrivate(&h->command, FUTEX_WAKE, 1);
  return Number(env, h->id);
}

MP_DECLARE(FutexWaitCancel) {
  Args a;
  double id;
  if (!GetArgs(env, info, &a) || napi_get_value_double(env, a.argv[0], &id) != napi_ok) {
    return ThrowTypeError(env, "Expected `id` to be a number.");
  }
  for (Helper* h : g_active) {
    if (h->id == id) {
      h->cancel.store(1, std::memory_order_release);
      FutexPrivate(&h->cancel, FUTEX_WAKE, 1);
      break;
    }
  }
  return Undefined(env);
}

MP_DECLARE(SyncAfterFork) {
  if (g_async != nullptr && g_pid != getpid()) ForgetAfterFork();
  return Undefined(env);
}

}  // namespace multiproc
