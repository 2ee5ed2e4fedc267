// One turn of Node's event loop, run from JavaScript: lets a child forked inside a Process's
// start() run its target to the end without ever returning into the parent's code (the
// forked copy of the parent's stack is abandoned, never resumed).
#include <uv.h>

#include "common.h"

namespace multiproc {

// runLoopOnce(): boolean — uv_run(loop, UV_RUN_ONCE); true while the loop has work left.
napi_value RunLoopOnce(napi_env env, napi_callback_info info) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    napi_throw_error(env, nullptr, "runLoopOnce: no event loop");
    return nullptr;
  }
  int more = uv_run(loop, UV_RUN_ONCE);
  napi_value result;
  napi_get_boolean(env, more != 0, &result);
  return result;
}

}  // namespace multiproc
