// Shared-memory bindings: shm_open/ftruncate/fstat/mmap(MAP_SHARED)/shm_unlink and the
// process-shared futex (FUTEX_WAIT/FUTEX_WAKE without FUTEX_PRIVATE_FLAG).
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace multiproc {

MP_DECLARE(ShmOpen) {
  Args a;
  std::string name, mode;
  int32_t perm;
  if (!GetArgs(env, info, &a) || !ArgString(env, a.argv[0], "name", &name) ||
      !ArgString(env, a.argv[1], "mode", &mode) || !ArgInt32(env, a.argv[2], "perm", &perm)) {
    return nullptr;
  }
  int flags;
  if (mode == "create") flags = O_CREAT | O_EXCL | O_RDWR;
  else if (mode == "open") flags = O_RDWR;
  else return ThrowTypeError(env, "Expected `mode` to be 'create' or 'open'.");
  int fd = shm_open(name.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(perm));
  if (fd < 0) return ThrowErrno(env, "shm_open", errno);
  return Int32(env, fd);
}

// Anonymous shared memory: a memfd (nothing ever appears in /dev/shm, so a process killed at any
// moment leaves nothing behind), or where memfd_create is missing (ENOSYS: Linux < 3.17, or a
// seccomp filter), a POSIX segment unlinked at once. `name` names it in /proc/PID/fd and maps.
MP_DECLARE(ShmAnonymous) {
  Args a;
  std::string name;
  if (!GetArgs(env, info, &a) || !ArgString(env, a.argv[0], "name", &name)) return nullptr;
#ifdef SYS_memfd_create
  int fd = static_cast<int>(syscall(SYS_memfd_create, name.c_str(), 1U /* MFD_CLOEXEC */));
  if (fd >= 0) return Int32(env, fd);
  if (errno != ENOSYS && errno != EINVAL && errno != EPERM) return ThrowErrno(env, "memfd_create", errno);
#endif
  std::string path = "/" + name;
  int sfd = shm_open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  if (sfd < 0) return ThrowErrno(env, "shm_open", errno);
  shm_unlink(path.c_str());
  return Int32(env, sfd);
}

MP_DECLARE(Ftruncate) {
  Args a;
  int fd;
  uint64_t size;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd) ||
      !ArgSize(env, a.argv[1], "size", &size)) {
    return nullptr;
  }
  int r;
  do {
    r = ftruncate(fd, static_cast<off_t>(size));
  } while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, "ftruncate", errno);
  return Undefined(env);
}

MP_DECLARE(FstatSize) {
  Args a;
  int fd;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd)) return nullptr;
  struct stat st;
  if (fstat(fd, &st) != 0) return ThrowErrno(env, "fstat", errno);
  return Number(env, static_cast<double>(st.st_size));
}

MP_DECLARE(MmapShared) {
  Args a;
  int fd;
  uint64_t size;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd) ||
      !ArgSize(env, a.argv[1], "size", &size)) {
    return nullptr;
  }
  if (size == 0) return ThrowRangeError(env, "Expected `size` to be a positive number of bytes.");
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) return ThrowErrno(env, "mmap", errno);
  napi_value sab = NewMappedSharedArrayBuffer(env, addr, size);  // owns the mapping from here
  return sab;
}

MP_DECLARE(ShmUnlink) {
  Args a;
  std::string name;
  if (!GetArgs(env, info, &a) || !ArgString(env, a.argv[0], "name", &name)) return nullptr;
  if (shm_unlink(name.c_str()) != 0) return ThrowErrno(env, "shm_unlink", errno);
  return Undefined(env);
}

// The int32 at `byteOffset` of a SharedArrayBuffer (aligned, in range), or nullptr (thrown).
static int32_t* FutexWord(napi_env env, napi_value sab, napi_value offset_value) {
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

static long Futex(int32_t* addr, int op, int32_t val, const struct timespec* timeout) {
  return syscall(SYS_futex, addr, op, val, timeout, nullptr, 0);
}

MP_DECLARE(FutexWait) {
  Args a;
  int32_t expected;
  int64_t timeout_ms;
  if (!GetArgs(env, info, &a)) return nullptr;
  int32_t* word = FutexWord(env, a.argv[0], a.argv[1]);
  if (word == nullptr) return nullptr;
  if (!ArgInt32(env, a.argv[2], "expected", &expected) ||
      !ArgTimeout(env, a.argv[3], "timeoutMs", &timeout_ms)) {
    return nullptr;
  }
  int64_t deadline = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
  for (;;) {
    struct timespec ts;
    struct timespec* tp = nullptr;
    if (deadline >= 0) {
      int64_t left = deadline - NowMs();
      if (left < 0) left = 0;  // a zero timeout still compares the word
      ts.tv_sec = static_cast<time_t>(left / 1000);
      ts.tv_nsec = static_cast<long>((left % 1000) * 1000000);
      tp = &ts;
    }
    // FUTEX_WAIT without FUTEX_PRIVATE_FLAG: the key is the shared page, so other processes
    // mapping the same memory can wake us.
    long r = Futex(word, FUTEX_WAIT, expected, tp);
    if (r == 0) return String(env, "ok");
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return String(env, "not-equal");
    if (errno == ETIMEDOUT) return String(env, "timed-out");
    return ThrowErrno(env, "futex", errno);
  }
}

MP_DECLARE(FutexWake) {
  Args a;
  int32_t count;
  if (!GetArgs(env, info, &a)) return nullptr;
  int32_t* word = FutexWord(env, a.argv[0], a.argv[1]);
  if (word == nullptr) return nullptr;
  if (!ArgInt32(env, a.argv[2], "count", &count)) return nullptr;
  if (count < 0) return ThrowRangeError(env, "Expected `count` to be a non-negative integer.");
  long r = Futex(word, FUTEX_WAKE, count, nullptr);
  if (r < 0) return ThrowErrno(env, "futex", errno);
  return Int32(env, static_cast<int32_t>(r));
}

}  // namespace multiproc
