// Argument checks and errno errors for every binding.
#include "common.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <uv.h>

namespace multiproc {

bool GetArgs(napi_env env, napi_callback_info info, Args* args) {
  return napi_get_cb_info(env, info, &args->argc, args->argv, &args->self, &args->data) == napi_ok;
}

static const char* TypeName(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return "unknown";
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "boolean";
    case napi_number: return "number";
    case napi_string: return "string";
    case napi_symbol: return "symbol";
    case napi_object: return "object";
    case napi_function: return "function";
    case napi_external: return "external";
    case napi_bigint: return "bigint";
  }
  return "unknown";
}

static bool Fail(napi_env env, napi_value v, const char* name, const char* expectation) {
  std::string m = std::string("Expected `") + name + "` to be " + expectation + ", got " +
                  TypeName(env, v) + ".";
  ThrowTypeError(env, m);
  return false;
}

static bool GetDouble(napi_env env, napi_value v, double* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return false;
  return napi_get_value_double(env, v, out) == napi_ok;
}

bool ArgInt32(napi_env env, napi_value v, const char* name, int32_t* out) {
  double d;
  if (!GetDouble(env, v, &d)) return Fail(env, v, name, "an integer");
  if (!(d == floor(d)) || d < -2147483648.0 || d > 2147483647.0) {
    ThrowRangeError(env, std::string("Expected `") + name + "` to be a 32-bit integer, got " +
                             std::to_string(d) + ".");
    return false;
  }
  *out = static_cast<int32_t>(d);
  return true;
}

bool ArgFd(napi_env env, napi_value v, const char* name, int* out) {
  int32_t fd;
  if (!ArgInt32(env, v, name, &fd)) return false;
  if (fd < 0) {
    ThrowRangeError(env, std::string("Expected `") + name + "` to be a file descriptor (>= 0), got " +
                             std::to_string(fd) + ".");
    return false;
  }
  *out = fd;
  return true;
}

bool ArgBool(napi_env env, napi_value v, const char* name, bool* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_boolean) return Fail(env, v, name, "a boolean");
  return napi_get_value_bool(env, v, out) == napi_ok;
}

bool ArgSize(napi_env env, napi_value v, const char* name, uint64_t* out) {
  double d;
  if (!GetDouble(env, v, &d)) return Fail(env, v, name, "a non-negative integer");
  if (!(d == floor(d)) || d < 0 || d > 9007199254740991.0) {
    ThrowRangeError(env, std::string("Expected `") + name + "` to be a non-negative safe integer, got " +
                             std::to_string(d) + ".");
    return false;
  }
  *out = static_cast<uint64_t>(d);
  return true;
}

bool ArgTimeout(napi_env env, napi_value v, const char* name, int64_t* out_ms) {
  double d;
  if (!GetDouble(env, v, &d)) return Fail(env, v, name, "a number of milliseconds (-1 = forever)");
  if (d == -1) { *out_ms = -1; return true; }
  if (!(d >= 0)) {
    ThrowRangeError(env, std::string("Expected `") + name + "` to be -1 or a non-negative number, got " +
                             std::to_string(d) + ".");
    return false;
  }
  *out_ms = d > 9.2e15 ? static_cast<int64_t>(9.2e15) : static_cast<int64_t>(ceil(d));
  return true;
}

bool ArgString(napi_env env, napi_value v, const char* name, std::string* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return Fail(env, v, name, "a string");
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) return false;
  out->resize(len);
  if (napi_get_value_string_utf8(env, v, &(*out)[0], len + 1, &len) != napi_ok) return false;
  if (out->find('\0') != std::string::npos) {
    ThrowTypeError(env, std::string("Expected `") + name + "` to be a string without NUL characters.");
    return false;
  }
  return true;
}

bool ArgFunction(napi_env env, napi_value v, const char* name) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_function) return Fail(env, v, name, "a function");
  return true;
}

static void ErrnoName(int err, char* buf, size_t size) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(err);
  if (name != nullptr) {
    snprintf(buf, size, "%s", name);
    return;
  }
#endif
  uv_err_name_r(-err, buf, size);  // libuv codes are -errno on Unix
}

napi_value ThrowErrno(napi_env env, const char* syscall, int err) {
  char name[64];
  ErrnoName(err, name, sizeof name);
  std::string message = std::string(syscall) + ": " + strerror(err);
  napi_value msg, code, error;
  napi_create_string_utf8(env, message.c_str(), NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, nullptr, msg, &error);
  napi_set_named_property(env, error, "code", code);
  napi_set_named_property(env, error, "errno", Int32(env, -err));
  napi_set_named_property(env, error, "syscall", String(env, syscall));
  napi_throw(env, error);
  return nullptr;
}

napi_value ThrowTypeError(napi_env env, const std::string& message) {
  napi_throw_type_error(env, nullptr, message.c_str());
  return nullptr;
}

napi_value ThrowRangeError(napi_env env, const std::string& message) {
  napi_throw_range_error(env, nullptr, message.c_str());
  return nullptr;
}

napi_value Undefined(napi_env env) { napi_value v; napi_get_undefined(env, &v); return v; }
napi_value Null(napi_env env) { napi_value v; napi_get_null(env, &v); return v; }
napi_value Int32(napi_env env, int32_t value) { napi_value v; napi_create_int32(env, value, &v); return v; }
napi_value Number(napi_env env, double value) { napi_value v; napi_create_double(env, value, &v); return v; }
napi_value String(napi_env env, const char* value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  return v;
}

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace multiproc
