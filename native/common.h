// Shared helpers of the multiproc addon: argument checks that throw TypeError/RangeError,
// errno errors shaped like Node's ({ code, errno, syscall }), and the napi_value <-> v8 bridge.
#ifndef MULTIPROC_COMMON_H_
#define MULTIPROC_COMMON_H_

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string>

namespace multiproc {

// Up to 5 arguments and `this` of the current call; missing ones are `undefined`.
struct Args {
  napi_value argv[5];
  size_t argc = 5;
  napi_value self = nullptr;
  void* data = nullptr;
};
bool GetArgs(napi_env env, napi_callback_info info, Args* args);

// Each check throws (TypeError or RangeError) and returns false on a bad value.
bool ArgInt32(napi_env env, napi_value v, const char* name, int32_t* out);
bool ArgFd(napi_env env, napi_value v, const char* name, int* out);
bool ArgBool(napi_env env, napi_value v, const char* name, bool* out);
bool ArgSize(napi_env env, napi_value v, const char* name, uint64_t* out);
bool ArgTimeout(napi_env env, napi_value v, const char* name, int64_t* out_ms);
bool ArgString(napi_env env, napi_value v, const char* name, std::string* out);
bool ArgFunction(napi_env env, napi_value v, const char* name);

// Throws `syscall: strerror(err)` with code ('EAGAIN'), errno (negative, as in Node) and
// syscall; returns nullptr so a binding can `return ThrowErrno(...)`.
napi_value ThrowErrno(napi_env env, const char* syscall, int err);
napi_value ThrowTypeError(napi_env env, const std::string& message);
napi_value ThrowRangeError(napi_env env, const std::string& message);

napi_value Undefined(napi_env env);
napi_value Null(napi_env env);
napi_value Int32(napi_env env, int32_t value);
napi_value Number(napi_env env, double value);
napi_value String(napi_env env, const char* value);

// Close the watchReadable() watchers of this thread's loop on `fd` (poll.cc): called before the
// addon closes `fd`, so libuv never keeps a closed fd number registered.
void CloseWatchersOn(napi_env env, int fd);

// Milliseconds of CLOCK_MONOTONIC, for timeouts that survive EINTR.
int64_t NowMs();

}  // namespace multiproc

// Every binding, one per export (see binding.cc for the table).
#define MP_DECLARE(name) napi_value name(napi_env env, napi_callback_info info)
namespace multiproc {
MP_DECLARE(Fork); MP_DECLARE(Waitpid); MP_DECLARE(WaitidNoWait); MP_DECLARE(PidfdOpen);
MP_DECLARE(Exit); MP_DECLARE(SetPdeathsig); MP_DECLARE(Getpid); MP_DECLARE(Getppid);
MP_DECLARE(Kill);
MP_DECLARE(Socketpair); MP_DECLARE(Pipe); MP_DECLARE(SendFds); MP_DECLARE(RecvFds);
MP_DECLARE(TryRead); MP_DECLARE(TakeFds); MP_DECLARE(TryReadKeepingFds); MP_DECLARE(DropFds); MP_DECLARE(TryWrite); MP_DECLARE(PeerClosed); MP_DECLARE(Close); MP_DECLARE(Dup); MP_DECLARE(Dup2); MP_DECLARE(SetCloexec);
MP_DECLARE(SetNonBlocking);
MP_DECLARE(PollReadable); MP_DECLARE(SpinReadable); MP_DECLARE(WatchReadable); MP_DECLARE(WatchLoopIdle);
MP_DECLARE(ShmOpen); MP_DECLARE(Ftruncate); MP_DECLARE(FstatSize); MP_DECLARE(MmapShared);
MP_DECLARE(ShmUnlink); MP_DECLARE(ShmAnonymous); MP_DECLARE(FutexWait); MP_DECLARE(FutexWake);
MP_DECLARE(UnwindThenCall);
MP_DECLARE(FunctionLocation);
MP_DECLARE(FutexWaitAsync); MP_DECLARE(FutexWaitCancel); MP_DECLARE(SyncAfterFork);
MP_DECLARE(ListenSocket); MP_DECLARE(Accept); MP_DECLARE(SocketAddress);
MP_DECLARE(ConnectSocket); MP_DECLARE(ConnectResult); MP_DECLARE(WatchWritable);
// From v8-bridge.cc: a SharedArrayBuffer over `size` bytes at `addr` that munmaps when freed,
// and the data pointer and length of a SharedArrayBuffer (false, TypeError thrown, if not one).
napi_value NewMappedSharedArrayBuffer(napi_env env, void* addr, size_t size);
bool SharedArrayBufferData(napi_env env, napi_value v, const char* name, void** data, size_t* length);
}  // namespace multiproc

#endif  // MULTIPROC_COMMON_H_
