// Process bindings: fork (MADV_DOFORK walk + uv_loop_fork, inotify kept consistent), waitpid, waitid(WNOWAIT),
// pidfd_open, _exit, PR_SET_PDEATHSIG, getpid/getppid, kill.
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif
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

// Condition variables that other threads of this process are blocked in. Their copies in a
// forked child still count those waiters (threads the child does not have): glibc's
// pthread_cond_signal then waits forever for them to leave (__condvar_quiesce_and_switch_g1).
// Found with gdb on a hung fork child: a major GC posted a V8 job, NodePlatform pushed a task to
// its worker-thread queue and signalled its condvar, on which the parent's four (idle) platform
// worker threads were waiting. So before fork(): read what each other thread is blocked in
// (/proc/self/task/TID/syscall: futex wait on an address), keep the addresses that are a
// condvar's __g_signals[g] by glibc's layout (x86-64 and aarch64, glibc >= 2.25: g_signals at
// byte 40, g_refs at 16, wrefs at 36) and look like one (waiters and group references counted);
// in the child, re-initialize those condvars: no waiters, as is true there. Posted tasks then
// wait in the queue, and V8's jobs are run by the joining (main) thread.
static const int kMaxCondvars = 64;
static pthread_cond_t* g_waited_condvars[kMaxCondvars];
static int g_waited_count = 0;

static bool ReadSmallFile(const char* path, char* buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n;
  do n = read(fd, buf, size - 1); while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  return true;
}

static void CollectWaitedCondvars() {
  g_waited_count = 0;
#if defined(__linux__) && defined(__GLIBC__) && (defined(__x86_64__) || defined(__aarch64__))
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return;
  const long self = syscall(SYS_gettid);
  struct dirent* entry;
  while ((entry = readdir(dir)) != nullptr && g_waited_count < kMaxCondvars) {
    char* end;
    long tid = strtol(entry->d_name, &end, 10);
    if (*end != '\0' || tid <= 0 || tid == self) continue;
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/self/task/%ld/syscall", tid);
    if (!ReadSmallFile(path, text, sizeof text)) continue;
    // "nr arg0 arg1 …": futex(uaddr, op, …) with op FUTEX_WAIT or FUTEX_WAIT_BITSET.
    char* p = text;
    long nr = strtol(p, &p, 10);
    if (nr != SYS_futex) continue;
    unsigned long long uaddr = strtoull(p, &p, 16);
    unsigned long long op = strtoull(p, &p, 16) & 127;
    if (op != 0 /* FUTEX_WAIT */ && op != 9 /* FUTEX_WAIT_BITSET */) continue;
    unsigned long long base = (uaddr % 8 == 0) ? uaddr - 40 : uaddr - 44;
    if (uaddr < 64 || base % 8 != 0) continue;
    const unsigned int g = uaddr % 8 == 0 ? 0 : 1;
    const unsigned int* words = reinterpret_cast<const unsigned int*>(base);
    const unsigned int g_refs = __atomic_load_n(&words[4 + g], __ATOMIC_RELAXED);
    const unsigned int wrefs = __atomic_load_n(&words[9], __ATOMIC_RELAXED);
    if ((g_refs >> 1) == 0 || (wrefs >> 3) == 0 || (wrefs >> 3) > 4096) continue;
    pthread_cond_t* cond = reinterpret_cast<pthread_cond_t*>(base);
    bool seen = false;
    for (int i = 0; i < g_waited_count; i++) seen = seen || g_waited_condvars[i] == cond;
    if (!seen) g_waited_condvars[g_waited_count++] = cond;
  }
  closedir(dir);
#endif
}

static void ResetWaitedCondvars() {
  for (int i = 0; i < g_waited_count; i++) pthread_cond_init(g_waited_condvars[i], nullptr);
}

// In the child: a unix-socket server inherited from the parent remembers its path, and libuv
// unlinks that path when the handle is closed, which would remove the parent's socket. The path
// is the parent's: forget it (the string is leaked, once per inherited server).
static void ForgetPipeName(uv_handle_t* handle, void* /*arg*/) {
  if (handle->type == UV_NAMED_PIPE) reinterpret_cast<uv_pipe_t*>(handle)->pipe_fname = nullptr;
}

// The child of a fork() taken inside a libuv callback returns into the parent's libuv frame
// (the callback, or the microtasks Node runs before it returns). Inside an fs.watch callback that
// frame is uv__inotify_read, iterating a watcher list and then reading loop->inotify_fd again.
// uv_loop_fork() frees that list (its reset ignores the list's `iterating` mark) and closes the
// inotify fd, leaving -1 when no watcher is left: the frame then wrote freed memory and read
// fd -1, and libuv's assert aborted the child (SIGABRT, exit code -6; issue 15,
// test/os/fork-in-callback.test.ts). So uv_loop_fork() is kept away from the inotify state, which
// stays as the parent left it (the read watcher is re-armed on the new epoll with the others),
// and the fd number is given a fresh inotify instance of the child's own: the parent's watches
// are not the child's (its inherited fs.watch handles are closed, src/os/handles.ts), and
// removing them from a shared instance would remove them in the parent.
static int LoopForkKeepingInotify(uv_loop_t* loop) {
#ifdef __linux__
  const int inotify_fd = loop->inotify_fd;
  void* const inotify_watchers = loop->inotify_watchers;
  loop->inotify_fd = -1;
  loop->inotify_watchers = nullptr;
  int r = uv_loop_fork(loop);
  loop->inotify_fd = inotify_fd;
  loop->inotify_watchers = inotify_watchers;
  if (r != 0 || inotify_fd == -1) return r;
  const int fresh = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fresh < 0) return -errno;
  r = dup3(fresh, inotify_fd, O_CLOEXEC) < 0 ? -errno : 0;
  close(fresh);
  return r;
#else
  return uv_loop_fork(loop);
#endif
}

MP_DECLARE(Fork) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    return ThrowErrno(env, "napi_get_uv_event_loop", EINVAL);
  }
  int err = MarkAllMappingsForFork();
  if (err != 0) return ThrowErrno(env, "madvise", err);
  CollectWaitedCondvars();
  pid_t pid = fork();
  if (pid < 0) return ThrowErrno(env, "fork", errno);
  if (pid == 0) {
    ResetWaitedCondvars();
    int r = LoopForkKeepingInotify(loop);
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
