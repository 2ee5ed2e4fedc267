// The two things Node-API cannot do, written against V8 directly: a function's script origin,
// and a SharedArrayBuffer over external (mmap'ed) memory. napi_value and v8::Local<v8::Value>
// have the same representation in Node (see node's js_native_api_v8.h).
#include "common.h"

#include <string.h>
#include <sys/mman.h>
#include <v8.h>

namespace multiproc {

static v8::Local<v8::Value> ToV8(napi_value v) {
  v8::Local<v8::Value> local;
  memcpy(static_cast<void*>(&local), &v, sizeof v);
  return local;
}

static napi_value FromV8(v8::Local<v8::Value> local) {
  napi_value v;
  memcpy(static_cast<void*>(&v), &local, sizeof local);
  return v;
}

MP_DECLARE(FunctionLocation) {
  Args a;
  if (!GetArgs(env, info, &a) || !ArgFunction(env, a.argv[0], "fn")) return nullptr;
  v8::Local<v8::Function> fn = ToV8(a.argv[0]).As<v8::Function>();
  int line = fn->GetScriptLineNumber();
  int column = fn->GetScriptColumnNumber();
  if (line == v8::Function::kLineOffsetNotFound) return Null(env);  // builtin, bound, native
  v8::Local<v8::Value> resource = fn->GetScriptOrigin().ResourceName();
  if (resource.IsEmpty() || !resource->IsString() || resource.As<v8::String>()->Length() == 0) {
    return Null(env);
  }
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "url", FromV8(resource));
  napi_set_named_property(env, result, "line", Int32(env, line + 1));
  napi_set_named_property(env, result, "column", Int32(env, column + 1));
  return result;
}

static void Unmap(void* data, size_t length, void* /*deleter_data*/) { munmap(data, length); }

napi_value NewMappedSharedArrayBuffer(napi_env env, void* addr, size_t size) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::shared_ptr<v8::BackingStore> store =
      v8::SharedArrayBuffer::NewBackingStore(addr, size, Unmap, nullptr);
  v8::Local<v8::SharedArrayBuffer> sab = v8::SharedArrayBuffer::New(isolate, std::move(store));
  (void)env;
  return FromV8(sab);
}

bool SharedArrayBufferData(napi_env env, napi_value v, const char* name, void** data, size_t* length) {
  v8::Local<v8::Value> value = ToV8(v);
  if (value.IsEmpty() || !value->IsSharedArrayBuffer()) {
    ThrowTypeError(env, std::string("Expected `") + name + "` to be a SharedArrayBuffer.");
    return false;
  }
  std::shared_ptr<v8::BackingStore> store = value.As<v8::SharedArrayBuffer>()->GetBackingStore();
  *data = store->Data();
  *length = store->ByteLength();
  return true;
}

}  // namespace multiproc
