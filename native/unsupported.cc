// Built instead of the real addon where it cannot work (not Linux): the loader sees
// `unsupported` and reports the addon as unavailable.
#define NAPI_VERSION 8
#include <node_api.h>

static napi_value Init(napi_env env, napi_value exports) {
  napi_value yes;
  napi_get_boolean(env, true, &yes);
  napi_set_named_property(env, exports, "unsupported", yes);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
