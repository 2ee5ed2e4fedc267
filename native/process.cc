// Process bindings: fork (MADV_DOFORK walk + uv_loop_fork), waitpid, waitid(WNOWAIT),
// pidfd_open, _exit, PR_SET_PDEATHSIG, getpid/getppid, kill.
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace multiproc {

// V8 marks its heap and code pages MADV_DONTFORK; undo that on every mapping so the child has
// a heap (see shared/design/fork-in-node.md). EINVAL (VM_IO/PFNMAP such as [vvar]) and ENOMEM
// (a mapping that went away meanwhile) are expected per mapping and skipped.
static int MarkAllMappingsForFork() {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  std::string maps;
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { int e = errno; close(fd); return e; }
    if (n == 0) break;
    maps.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  const char* p = maps.c_str();
  while (*p) {
    char* end;
    unsigned long long start = strtoull(p, &end, 16);
    if (*end == '-') {
      unsigned long long stop = strtoull(end + 1, &end, 16);
      if (stop > start &&
          madvise(reinterpret_cast<void*>(start), stop - start, MADV_DOFORK) != 0 &&
          errno != EINVAL && errno != ENOMEM) {
        return errno;
      }
    }
    const char* nl = strchr(p, '\n');
    if (nl == nullptr) break;
    p = nl + 1;
  }
  return 0;
}

// In the child: a unix-socket server inherited from the parent remembers its path, and libuv
// unlinks that path when the handle is closed, which would remove the parent's socket. The path
// is the parent's: forget it (the string is leaked, once per inherited server).
static void ForgetPipeName(uv_handle_t* handle, void* /*arg*/) {
  if (handle->type == UV_NAMED_PIPE) reinterpret_cast<uv_pipe_t*>(handle)->pipe_fname = nullptr;
}

MP_DECLARE(Fork) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    return ThrowErrno(env, "napi_get_uv_event_loop", EINVAL);
  }
  int err = MarkAllMappingsForFork();
  if (err != 0) return ThrowErrno(env, "madvise", err);
  pid_t pid = fork();
  if (pid < 0) return ThrowErrno(env, "fork", errno);
  if (pid == 0) {
    int r = uv_loop_fork(loop);
    if (r != 0) {
      // The child cannot run JS without its loop and must not pretend to be the parent.
      static const char msg[] = "multiproc: uv_loop_fork failed in the forked child\n";
      ssize_t ignored = write(2, msg, sizeof msg - 1);
      (void)ignored;
      _exit(70);
    }
    uv_walk(loop, ForgetPipeName, nullptr);
  }
  return Int32(env, pid);
}

// { pid, exitCode, signal } from a waitpid status.
static napi_value StatusObject(napi_env env, pid_t pid, int exit_code, int signal) {
  napi_value obj;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "pid", Int32(env, pid));
  napi_set_named_property(env, obj, "exitCode", exit_code >= 0 ? Int32(env, exit_code) : Null(env));
  napi_set_named_property(env, obj, "signal", signal >= 0 ? Int32(env, signal) : Null(env));
  return obj;
}

MP_DECLARE(Waitpid) {
  Args a;
  int32_t pid;
  bool no_hang;
  if (!GetArgs(env, info, &a) || !ArgInt32(env, a.argv[0], "pid", &pid) ||
      !ArgBool(env, a.argv[1], "noHang", &no_hang)) {
    return nullptr;
  }
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, no_hang ? WNOHANG : 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, "waitpid", errno);
  if (r == 0) return Null(env);
  if (WIFEXITED(status)) return StatusObject(env, r, WEXITSTATUS(status), -1);
  if (WIFSIGNALED(status)) return StatusObject(env, r, -1, WTERMSIG(status));
  return StatusObject(env, r, -1, -1);  // not reachable without WUNTRACED/WCONTINUED
}

MP_DECLARE(WaitidNoWait) {
  Args a;
  int32_t pid;
  bool no_hang;
  if (!GetArgs(env, info, &a) || !ArgInt32(env, a.argv[0], "pid", &pid) ||
      !ArgBool(env, a.argv[1], "noHang", &no_hang)) {
    return nullptr;
  }
  if (pid <= 0) return ThrowRangeError(env, "Expected `pid` to be a positive process id.");
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r;
  do {
    r = waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOWAIT | (no_hang ? WNOHANG : 0));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, "waitid", errno);
  if (si.si_pid == 0) return Null(env);
  if (si.si_code == CLD_EXITED) return StatusObject(env, si.si_pid, si.si_status, -1);
  return StatusObject(env, si.si_pid, -1, si.si_status);  // CLD_KILLED / CLD_DUMPED
}

MP_DECLARE(PidfdOpen) {
  Args a;
  int32_t pid;
  if (!GetArgs(env, info, &a) || !ArgInt32(env, a.argv[0], "pid", &pid)) return nullptr;
  if (pid <= 0) return ThrowRangeError(env, "Expected `pid` to be a positive process id.");
  long fd = syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0);  // the fd is O_CLOEXEC
  if (fd < 0) return ThrowErrno(env, "pidfd_open", errno);
  return Int32(env, static_cast<int32_t>(fd));
}

MP_DECLARE(Exit) {
  Args a;
  int32_t code;
  if (!GetArgs(env, info, &a) || !ArgInt32(env, a.argv[0], "code", &code)) return nullptr;
  _exit(code & 0xff);
}

MP_DECLARE(SetPdeathsig) {
  Args a;
  int32_t sig;
  if (!GetArgs(env, info, &a) || !ArgInt32(env, a.argv[0], "signal", &sig)) return nullptr;
  if (prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(sig)) != 0) {
    return ThrowErrno(env, "prctl", errno);
  }
  return Undefined(env);
}

MP_DECLARE(Getpid) { return Int32(env, getpid()); }
MP_DECLARE(Getppid) { return Int32(env, getppid()); }

MP_DECLARE(Kill) {
  Args a;
  int32_t pid, sig;
  if (!GetArgs(env, info, &a) || !ArgInt32(env, a.argv[0], "pid", &pid) ||
      !ArgInt32(env, a.argv[1], "signal", &sig)) {
    return nullptr;
  }
  if (kill(pid, sig) != 0) return ThrowErrno(env, "kill", errno);
  return Undefined(env);
}

}  // namespace multiproc
