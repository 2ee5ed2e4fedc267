// File-descriptor bindings: socketpair, pipe2, SCM_RIGHTS passing, close/dup/dup2, fd flags.
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <vector>

#ifndef SCM_MAX_FD
#define SCM_MAX_FD 253
#endif

namespace multiproc {

static napi_value FdPair(napi_env env, const int fds[2]) {
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, Int32(env, fds[0]));
  napi_set_element(env, arr, 1, Int32(env, fds[1]));
  return arr;
}

MP_DECLARE(Socketpair) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return ThrowErrno(env, "socketpair", errno);
  }
  return FdPair(env, fds);
}

MP_DECLARE(Pipe) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ThrowErrno(env, "pipe2", errno);
  return FdPair(env, fds);
}

// A number[] of file descriptors.
static bool ArgFdArray(napi_env env, napi_value v, const char* name, std::vector<int>* out) {
  bool is_array = false;
  napi_is_array(env, v, &is_array);
  if (!is_array) {
    ThrowTypeError(env, std::string("Expected `") + name + "` to be an array of file descriptors.");
    return false;
  }
  uint32_t len = 0;
  napi_get_array_length(env, v, &len);
  for (uint32_t i = 0; i < len; i++) {
    napi_value item;
    int fd;
    if (napi_get_element(env, v, i, &item) != napi_ok) return false;
    std::string item_name = std::string(name) + "[" + std::to_string(i) + "]";
    if (!ArgFd(env, item, item_name.c_str(), &fd)) return false;
    out->push_back(fd);
  }
  return true;
}

// The bytes of a Uint8Array (a Buffer too); false, TypeError thrown, for anything else.
static bool ByteSpan(napi_env env, napi_value v, const char* name, char** data, size_t* size) {
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  napi_typedarray_type type = napi_int8_array;
  void* base = nullptr;
  if (is_typed) napi_get_typedarray_info(env, v, &type, size, &base, nullptr, nullptr);
  if (!is_typed || type != napi_uint8_array) {
    ThrowTypeError(env, std::string("Expected `") + name + "` to be a Buffer or Uint8Array.");
    return false;
  }
  *data = static_cast<char*>(base);
  return true;
}

// `length` bytes of a Uint8Array from `offset` (arguments `offset` and `length`), checked: false,
// TypeError or RangeError thrown, when they are not within it.
static bool ByteRange(napi_env env, napi_value array, napi_value offset_v, napi_value length_v, const char* name,
                      char** at, size_t* length) {
  char* data;
  size_t size;
  uint64_t offset, count;
  if (!ByteSpan(env, array, name, &data, &size) || !ArgSize(env, offset_v, "offset", &offset) ||
      !ArgSize(env, length_v, "length", &count)) {
    return false;
  }
  if (offset > size || count > size - offset) {
    ThrowRangeError(env, std::string("Expected `offset` + `length` to be within `") + name + "`.");
    return false;
  }
  *at = data + offset;
  *length = static_cast<size_t>(count);
  return true;
}

MP_DECLARE(SendFds) {
  Args a;
  int fd;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd)) return nullptr;
  char* data;
  size_t length;
  if (!ByteSpan(env, a.argv[1], "data", &data, &length)) return nullptr;
  std::vector<int> fds;
  if (!ArgFdArray(env, a.argv[2], "fds", &fds)) return nullptr;
  if (fds.size() > SCM_MAX_FD) return ThrowRangeError(env, "Expected at most 253 `fds` per message.");
  if (!fds.empty() && length == 0) {
    return ThrowRangeError(env, "Expected `data` to hold at least one byte when sending `fds`.");
  }
  struct iovec iov;
  iov.iov_base = data;
  iov.iov_len = length;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control;
  if (!fds.empty()) {
    control.assign(CMSG_SPACE(sizeof(int) * fds.size()), 0);
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    struct cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(cm), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ThrowErrno(env, "sendmsg", errno == EWOULDBLOCK ? EAGAIN : errno);
  return Number(env, static_cast<double>(n));
}

MP_DECLARE(RecvFds) {
  Args a;
  int fd;
  uint64_t max_length;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd) ||
      !ArgSize(env, a.argv[1], "maxLength", &max_length)) {
    return nullptr;
  }
  if (max_length == 0 || max_length > (1u << 30)) {
    return ThrowRangeError(env, "Expected `maxLength` to be between 1 and 2**30.");
  }
  std::vector<char> buf(max_length);
  std::vector<char> control(CMSG_SPACE(sizeof(int) * SCM_MAX_FD), 0);
  struct iovec iov;
  iov.iov_base = buf.data();
  iov.iov_len = buf.size();
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Null(env);
  if (n < 0) return ThrowErrno(env, "recvmsg", errno);
  std::vector<int> fds;
  for (struct cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const unsigned char* p = CMSG_DATA(cm);
    for (size_t i = 0; i < count; i++) {
      int received;
      memcpy(&received, p + i * sizeof(int), sizeof(int));
      fds.push_back(received);
    }
  }
  if (msg.msg_flags & MSG_CTRUNC) {
    // The kernel dropped descriptors (usually RLIMIT_NOFILE): the message is incomplete.
    for (int received : fds) close(received);
    return ThrowErrno(env, "recvmsg", EMFILE);
  }
  napi_value data, fd_array, result;
  napi_create_buffer_copy(env, static_cast<size_t>(n), buf.data(), nullptr, &data);
  napi_create_array_with_length(env, fds.size(), &fd_array);
  for (size_t i = 0; i < fds.size(); i++) {
    napi_set_element(env, fd_array, static_cast<uint32_t>(i), Int32(env, fds[i]));
  }
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "data", data);
  napi_set_named_property(env, result, "fds", fd_array);
  return result;
}

// One read that never blocks, whatever the file's O_NONBLOCK (another process sharing the open
// file may have cleared it): recv(MSG_DONTWAIT) on a socket; on anything else (a pipe) a poll(0)
// first. -1 with errno EAGAIN when nothing is there.
static ssize_t ReadNow(int fd, char* at, size_t length, bool* not_socket) {
  if (!*not_socket) {
    ssize_t n = recv(fd, at, length, MSG_DONTWAIT);
    if (n >= 0 || errno != ENOTSOCK) return n;
    *not_socket = true;
  }
  struct pollfd p = {fd, POLLIN, 0};
  int ready = poll(&p, 1, 0);
  if (ready < 0) return -1;
  if (ready == 0) {
    errno = EAGAIN;
    return -1;
  }
  return read(fd, at, length);
}

// Reads what is there on `fd` into `target` (a Uint8Array) at `offset`, up to `length` bytes,
// without blocking; while nothing is there, tries again for up to `spinMicros` µs (0: once).
// Returns the byte count, 0 at EOF (ECONNRESET too: the peer is gone), -1 when nothing came:
// no exception on the common "not yet" path, which a receive that spins meets many times.
MP_DECLARE(TryRead) {
  Args a;
  int fd;
  char* at;
  size_t length;
  uint64_t spin_us;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd) ||
      !ByteRange(env, a.argv[1], a.argv[2], a.argv[3], "target", &at, &length) ||
      !ArgSize(env, a.argv[4], "spinMicros", &spin_us)) {
    return nullptr;
  }
  struct timespec start = {0, 0};
  if (spin_us > 0) clock_gettime(CLOCK_MONOTONIC, &start);
  bool not_socket = false;
  for (;;) {
    ssize_t n = ReadNow(fd, at, length, &not_socket);
    if (n >= 0) return Number(env, static_cast<double>(n));
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return Int32(env, 0);
    if (errno != EAGAIN && errno != EWOULDBLOCK) return ThrowErrno(env, "read", errno);
    if (spin_us == 0) return Int32(env, -1);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t elapsed_us = (now.tv_sec - start.tv_sec) * 1000000 + (now.tv_nsec - start.tv_nsec) / 1000;
    if (elapsed_us >= static_cast<int64_t>(spin_us)) return Int32(env, -1);
  }
}

// write(2) on a non-blocking fd of `length` bytes of `data` (a typed array) from `offset`: the
// byte count, -1 when the kernel has no room now (EAGAIN: nothing written). MSG_NOSIGNAL is not
// needed: Node ignores SIGPIPE, so a closed peer is an EPIPE error.
MP_DECLARE(TryWrite) {
  Args a;
  int fd;
  char* at;
  size_t length;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd) ||
      !ByteRange(env, a.argv[1], a.argv[2], a.argv[3], "data", &at, &length)) {
    return nullptr;
  }
  for (;;) {
    ssize_t n = write(fd, at, length);
    if (n >= 0) return Number(env, static_cast<double>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Int32(env, -1);
    return ThrowErrno(env, "write", errno);
  }
}

// Whether the other end of `fd` is gone: a socket whose peer closed (POLLRDHUP/POLLHUP), or the
// write end of a pipe with no reader left (POLLERR). poll(2) with a zero timeout: never blocks.
MP_DECLARE(PeerClosed) {
  Args a;
  int fd;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd)) return nullptr;
  struct pollfd p = {fd, POLLRDHUP, 0};
  for (;;) {
    int r = poll(&p, 1, 0);
    if (r >= 0) break;
    if (errno != EINTR) return ThrowErrno(env, "poll", errno);
  }
  if (p.revents & POLLNVAL) return ThrowErrno(env, "poll", EBADF);
  napi_value result;
  napi_get_boolean(env, (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0, &result);
  return result;
}

MP_DECLARE(Close) {
  Args a;
  int fd;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd)) return nullptr;
  CloseWatchersOn(env, fd);  // libuv must let go of the number before it can be reused
  // On Linux the fd is released even when close() reports EINTR: never retry.
  if (close(fd) != 0 && errno != EINTR) return ThrowErrno(env, "close", errno);
  return Undefined(env);
}

MP_DECLARE(Dup) {
  Args a;
  int fd;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd)) return nullptr;
  int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (r < 0) return ThrowErrno(env, "fcntl", errno);
  return Int32(env, r);
}

MP_DECLARE(Dup2) {
  Args a;
  int from, to;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "from", &from) ||
      !ArgFd(env, a.argv[1], "to", &to)) {
    return nullptr;
  }
  if (from == to) {
    // dup2(fd, fd) leaves the flags alone; keep the contract "target is not close-on-exec".
    int flags = fcntl(to, F_GETFD);
    if (flags < 0 || fcntl(to, F_SETFD, flags & ~FD_CLOEXEC) < 0) return ThrowErrno(env, "fcntl", errno);
    return Undefined(env);
  }
  CloseWatchersOn(env, to);  // dup2 closes `to` first
  int r;
  do {
    r = dup2(from, to);
  } while (r < 0 && (errno == EINTR || errno == EBUSY));
  if (r < 0) return ThrowErrno(env, "dup2", errno);
  return Undefined(env);
}

static napi_value SetFlag(napi_env env, napi_callback_info info, int get, int set, int flag) {
  Args a;
  int fd;
  bool on;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd) ||
      !ArgBool(env, a.argv[1], "on", &on)) {
    return nullptr;
  }
  int flags = fcntl(fd, get);
  if (flags < 0) return ThrowErrno(env, "fcntl", errno);
  int wanted = on ? (flags | flag) : (flags & ~flag);
  if (wanted != flags && fcntl(fd, set, wanted) < 0) return ThrowErrno(env, "fcntl", errno);
  return Undefined(env);
}

MP_DECLARE(SetCloexec) { return SetFlag(env, info, F_GETFD, F_SETFD, FD_CLOEXEC); }
MP_DECLARE(SetNonBlocking) { return SetFlag(env, info, F_GETFL, F_SETFL, O_NONBLOCK); }

}  // namespace multiproc
