// Module registration: the export table of the multiproc addon (see src/native/types.ts).
#include "common.h"

#include <node_version.h>

namespace multiproc {

static napi_value Init(napi_env env, napi_value exports) {
  struct Entry { const char* name; napi_callback fn; };
  static const Entry entries[] = {
      {"fork", Fork}, {"waitpid", Waitpid}, {"waitidNoWait", WaitidNoWait},
      {"pidfdOpen", PidfdOpen}, {"pollReadable", PollReadable}, {"spinReadable", SpinReadable}, {"watchReadable", WatchReadable},
      {"watchLoopIdle", WatchLoopIdle},
      {"exit", Exit}, {"setPdeathsig", SetPdeathsig}, {"getpid", Getpid}, {"getppid", Getppid},
      {"kill", Kill}, {"socketpair", Socketpair}, {"pipe", Pipe}, {"sendFds", SendFds},
      {"recvFds", RecvFds}, {"tryRead", TryRead}, {"takeFds", TakeFds}, {"tryReadKeepingFds", TryReadKeepingFds}, {"dropFds", DropFds},
      {"tryWrite", TryWrite}, {"peerClosed", PeerClosed}, {"close", Close}, {"dup", Dup}, {"dup2", Dup2},
      {"setCloexec", SetCloexec}, {"setNonBlocking", SetNonBlocking},
      {"functionLocation", FunctionLocation}, {"shmOpen", ShmOpen}, {"ftruncate", Ftruncate},
      {"fstatSize", FstatSize}, {"mmapShared", MmapShared}, {"shmUnlink", ShmUnlink}, {"shmAnonymous", ShmAnonymous},
      {"futexWait", FutexWait}, {"futexWake", FutexWake}, {"unwindThenCall", UnwindThenCall},
      {"futexWaitAsync", FutexWaitAsync}, {"futexWaitCancel", FutexWaitCancel},
      {"syncAfterFork", SyncAfterFork},
      {"listenSocket", ListenSocket}, {"accept", Accept}, {"socketAddress", SocketAddress},
      {"connectSocket", ConnectSocket}, {"connectResult", ConnectResult}, {"watchWritable", WatchWritable},
  };
  for (const Entry& e : entries) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  napi_set_named_property(env, exports, "abiVersion", Int32(env, 5));
  // v8-bridge.cc and loop.cc use V8 and libuv directly, so this binary is valid only under the
  // Node ABI it was compiled for (process.versions.modules), not every Node-API version.
  napi_set_named_property(env, exports, "nodeAbi", Int32(env, NODE_MODULE_VERSION));
  return exports;
}

}  // namespace multiproc

NAPI_MODULE(NODE_GYP_MODULE_NAME, multiproc::Init)
