// Running a forked Process child from inside start(). The child is forked deep in the parent's
// call stack (often inside a microtask, where V8 cannot run microtasks again), and must never
// return into the parent's code. unwindThenCall(fn) makes V8 terminate the current JavaScript
// execution (uncatchable: no catch or finally of the parent runs), cancels the termination once
// the stack has unwound to the event loop (V8's call-completed callback, at call depth zero), and
// calls fn from a fresh turn of the loop, where promises and timers work as usual.
#include <uv.h>
#include <v8.h>

#include "common.h"

namespace multiproc {

namespace {

struct Continuation {
  napi_env env;
  napi_ref fn;
  napi_async_context context;
  uv_idle_t idle;
};

// Node's async-context stack (async_wrap's async_hook_fields / async_id_fields): the unwound
// JavaScript pushed entries it never popped. Cleared as Node itself clears it after an
// uncaught exception, so the native scopes being left find an empty stack, not a corrupt one.
struct AsyncStack {
  uint32_t* hook_fields = nullptr;
  double* id_fields = nullptr;
  uint32_t stack_length_index = 0;
  uint32_t execution_id_index = 0;
  uint32_t trigger_id_index = 0;
} async_stack;

void OnMicrotasksCompleted(v8::Isolate* isolate, void* data);

// The unwinding is over when V8 is back in native code: at call depth zero (CallCompleted), or
// when a microtask checkpoint that the termination aborted returns (MicrotasksCompleted: a
// checkpoint run by Node from C++ fires no CallCompleted, and Node checks the async-context
// stack right after it).
void CancelTermination(v8::Isolate* isolate) {
  if (isolate->IsExecutionTerminating()) isolate->CancelTerminateExecution();
  isolate->RemoveCallCompletedCallback(CancelTermination);
  isolate->RemoveMicrotasksCompletedCallback(OnMicrotasksCompleted);
  if (async_stack.hook_fields != nullptr) {
    async_stack.hook_fields[async_stack.stack_length_index] = 0;
    async_stack.id_fields[async_stack.execution_id_index] = 0;
    async_stack.id_fields[async_stack.trigger_id_index] = 0;
  }
}

void OnMicrotasksCompleted(v8::Isolate* isolate, void* data) {
  if (isolate->IsExecutionTerminating()) CancelTermination(isolate);
}

bool TypedArrayData(napi_env env, napi_value value, napi_typedarray_type expected, void** data, size_t* length) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  napi_typedarray_type type;
  if (!is_typed || napi_get_typedarray_info(env, value, &type, length, data, nullptr, nullptr) != napi_ok || type != expected) {
    napi_throw_type_error(env, nullptr, "unwindThenCall: expected async_wrap's async_hook_fields (Uint32Array) and async_id_fields (Float64Array)");
    return false;
  }
  return true;
}

void OnIdle(uv_idle_t* handle) {
  Continuation* c = static_cast<Continuation*>(handle->data);
  uv_idle_stop(handle);
  CancelTermination(v8::Isolate::GetCurrent());
  napi_handle_scope scope;
  napi_open_handle_scope(c->env, &scope);
  // If this child was itself forked inside a napi call (a grandchild of a forked Process), that
  // call's TryCatch recorded the termination as a pending exception: it is not the child's.
  napi_value stale;
  napi_get_and_clear_last_exception(c->env, &stale);
  napi_value fn, global, ignored;
  napi_get_reference_value(c->env, c->fn, &fn);
  napi_get_global(c->env, &global);
  if (napi_make_callback(c->env, c->context, global, fn, 0, nullptr, &ignored) == napi_pending_exception) {
    napi_value error;
    napi_valuetype type = napi_null;
    napi_get_and_clear_last_exception(c->env, &error);
    napi_typeof(c->env, error, &type);
    if (type != napi_null && type != napi_undefined) napi_fatal_exception(c->env, error);
  }
  napi_close_handle_scope(c->env, scope);
  napi_delete_reference(c->env, c->fn);
  napi_async_destroy(c->env, c->context);
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete static_cast<Continuation*>(h->data); });
}

}  // namespace

// unwindThenCall(fn, hookFields, idFields, [kStackLength, kExecutionAsyncId, kTriggerAsyncId]):
// after it returns, the current JavaScript execution terminates; fn runs next.
MP_DECLARE(UnwindThenCall) {
  Args a;
  if (!GetArgs(env, info, &a) || !ArgFunction(env, a.argv[0], "fn")) return nullptr;
  void* hook_fields = nullptr;
  void* id_fields = nullptr;
  size_t hook_length = 0, id_length = 0;
  if (!TypedArrayData(env, a.argv[1], napi_uint32_array, &hook_fields, &hook_length) ||
      !TypedArrayData(env, a.argv[2], napi_float64_array, &id_fields, &id_length)) {
    return nullptr;
  }
  uint32_t indices[3];
  for (int i = 0; i < 3; i++) {
    napi_value item;
    if (napi_get_element(env, a.argv[3], i, &item) != napi_ok || napi_get_value_uint32(env, item, &indices[i]) != napi_ok) {
      napi_throw_type_error(env, nullptr, "unwindThenCall: expected [kStackLength, kExecutionAsyncId, kTriggerAsyncId]");
      return nullptr;
    }
  }
  if (indices[0] >= hook_length || indices[1] >= id_length || indices[2] >= id_length) {
    napi_throw_range_error(env, nullptr, "unwindThenCall: an index is outside its array");
    return nullptr;
  }
  async_stack.hook_fields = static_cast<uint32_t*>(hook_fields);
  async_stack.id_fields = static_cast<double*>(id_fields);
  async_stack.stack_length_index = indices[0];
  async_stack.execution_id_index = indices[1];
  async_stack.trigger_id_index = indices[2];
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    napi_throw_error(env, nullptr, "unwindThenCall: no event loop");
    return nullptr;
  }
  Continuation* c = new Continuation();
  c->env = env;
  napi_create_reference(env, a.argv[0], 1, &c->fn);
  napi_value name;
  napi_create_string_utf8(env, "multiproc.forkedChild", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &c->context);
  uv_idle_init(loop, &c->idle);
  c->idle.data = c;
  uv_idle_start(&c->idle, OnIdle);
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  isolate->AddCallCompletedCallback(CancelTermination);
  isolate->AddMicrotasksCompletedCallback(OnMicrotasksCompleted);
  isolate->TerminateExecution();
  return nullptr;
}

}  // namespace multiproc
