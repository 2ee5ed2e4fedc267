// Listening sockets for Listener: socket + bind + listen (unix path, abstract name, IPv4, IPv6),
// a non-blocking accept4, and the address of either end of a connected socket.
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace multiproc {

// Fill a sockaddr for `family` ('unix', 'unix-abstract': `address` is the name after the
// leading NUL of Linux's abstract namespace, 'inet', 'inet6'); false with a RangeError thrown
// when the address does not fit (a path too long, not a numeric IP address).
static bool MakeAddress(napi_env env, const std::string& family, const std::string& address, int32_t port,
                        sockaddr_storage* out, socklen_t* length) {
  memset(out, 0, sizeof *out);
  if (family == "unix" || family == "unix-abstract") {
    sockaddr_un* un = reinterpret_cast<sockaddr_un*>(out);
    size_t skip = family == "unix" ? 0 : 1;  // the abstract namespace: a leading NUL, no terminator
    if (address.empty() || address.size() + skip >= sizeof un->sun_path) {
      ThrowRangeError(env, "Expected a unix socket path of 1 to " + std::to_string(sizeof un->sun_path - 1 - skip) +
                               " bytes, got " + std::to_string(address.size()) + ".");
      return false;
    }
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path + skip, address.data(), address.size());
    *length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + skip + address.size() + (skip == 0 ? 1 : 0));
    return true;
  }
  if (port < 0 || port > 65535) {
    ThrowRangeError(env, "Expected `port` to be an integer from 0 to 65535, got " + std::to_string(port) + ".");
    return false;
  }
  if (family == "inet") {
    sockaddr_in* in = reinterpret_cast<sockaddr_in*>(out);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, address.c_str(), &in->sin_addr) == 1) {
      *length = sizeof *in;
      return true;
    }
  } else if (family == "inet6") {
    sockaddr_in6* in6 = reinterpret_cast<sockaddr_in6*>(out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) == 1) {
      *length = sizeof *in6;
      return true;
    }
  } else {
    ThrowRangeError(env, "Expected `family` to be 'unix', 'inet' or 'inet6', got '" + family + "'.");
    return false;
  }
  ThrowRangeError(env, "Expected a numeric " + family + " address, got '" + address + "'.");
  return false;
}

// listenSocket(family, address, port, backlog): a bound, listening, non-blocking, close-on-exec
// socket; a unix socket file is 0600. TCP sockets get SO_REUSEADDR (as Python's Listener), so a restarted server can bind
// again while old connections linger in TIME_WAIT.
MP_DECLARE(ListenSocket) {
  Args a;
  std::string family, address;
  int32_t port = 0, backlog = 0;
  if (!GetArgs(env, info, &a) || !ArgString(env, a.argv[0], "family", &family) ||
      !ArgString(env, a.argv[1], "address", &address) || !ArgInt32(env, a.argv[2], "port", &port) ||
      !ArgInt32(env, a.argv[3], "backlog", &backlog)) {
    return nullptr;
  }
  sockaddr_storage addr;
  socklen_t length = 0;
  if (!MakeAddress(env, family, address, port, &addr, &length)) return nullptr;
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, "socket", errno);
  // The socket file takes this mode at bind (Linux): only the owner may connect, from the start.
  if (family == "unix" && fchmod(fd, 0600) != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, "fchmod", err);
  }
  int one = 1;
  if (addr.ss_family != AF_UNIX && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, "setsockopt", err);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), length) != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, "bind", err);
  }
  if (listen(fd, backlog) != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, "listen", err);
  }
  return Int32(env, fd);
}

// accept(fd): the next connection (close-on-exec; TCP_NODELAY on TCP, as small messages go as
// one write each), or -1 when none is waiting. A connection reset before it was accepted is skipped.
MP_DECLARE(Accept) {
  Args a;
  int fd;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd)) return nullptr;
  for (;;) {
    sockaddr_storage addr;
    socklen_t length = sizeof addr;
    int client = accept4(fd, reinterpret_cast<sockaddr*>(&addr), &length, SOCK_CLOEXEC);
    if (client >= 0) {
      if (addr.ss_family == AF_INET || addr.ss_family == AF_INET6) {
        int one = 1;
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      return Int32(env, client);
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Int32(env, -1);
    return ThrowErrno(env, "accept4", errno);
  }
}

// socketAddress(fd, peer): where this end (peer false) or the other end (peer true) of a socket
// is: a unix path (the abstract namespace with a leading NUL; '' when unnamed), or [ip, port].
MP_DECLARE(SocketAddress) {
  Args a;
  int fd;
  bool peer;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd) || !ArgBool(env, a.argv[1], "peer", &peer)) {
    return nullptr;
  }
  sockaddr_storage addr;
  socklen_t length = sizeof addr;
  int r = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &length)
               : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  if (r != 0) return ThrowErrno(env, peer ? "getpeername" : "getsockname", errno);
  if (addr.ss_family == AF_UNIX) {
    const sockaddr_un* un = reinterpret_cast<const sockaddr_un*>(&addr);
    size_t size = length > offsetof(sockaddr_un, sun_path) ? length - offsetof(sockaddr_un, sun_path) : 0;
    if (size > 0 && un->sun_path[0] != '\0') size = strnlen(un->sun_path, size);
    napi_value path;
    napi_create_string_utf8(env, un->sun_path, size, &path);  // abstract: with its leading NUL
    return path;
  }
  char text[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const sockaddr_in* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const sockaddr_in6* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  } else {
    return Null(env);
  }
  napi_value pair;
  napi_create_array_with_length(env, 2, &pair);
  napi_set_element(env, pair, 0, String(env, text));
  napi_set_element(env, pair, 1, Int32(env, port));
  return pair;
}

// connectSocket(family, address, port): a non-blocking, close-on-exec socket connecting to the
// address: [fd, true] once connected (a unix socket, or TCP that completed at once), [fd, false]
// while a TCP connect is in progress (wait until writable, then connectResult). TCP_NODELAY on TCP.
MP_DECLARE(ConnectSocket) {
  Args a;
  std::string family, address;
  int32_t port = 0;
  if (!GetArgs(env, info, &a) || !ArgString(env, a.argv[0], "family", &family) ||
      !ArgString(env, a.argv[1], "address", &address) || !ArgInt32(env, a.argv[2], "port", &port)) {
    return nullptr;
  }
  sockaddr_storage addr;
  socklen_t length = 0;
  if (!MakeAddress(env, family, address, port, &addr, &length)) return nullptr;
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, "socket", errno);
  if (addr.ss_family != AF_UNIX) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  int r;
  do {
    r = connect(fd, reinterpret_cast<sockaddr*>(&addr), length);
  } while (r != 0 && errno == EINTR);
  bool done = r == 0;
  if (!done && errno != EINPROGRESS) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, "connect", err);
  }
  napi_value pair, connected;
  napi_create_array_with_length(env, 2, &pair);
  napi_get_boolean(env, done, &connected);
  napi_set_element(env, pair, 0, Int32(env, fd));
  napi_set_element(env, pair, 1, connected);
  return pair;
}

// connectResult(fd): after a connect in progress made `fd` writable: nothing when it connected;
// throws the connect error (ECONNREFUSED …) when it failed.
MP_DECLARE(ConnectResult) {
  Args a;
  int fd;
  if (!GetArgs(env, info, &a) || !ArgFd(env, a.argv[0], "fd", &fd)) return nullptr;
  int err = 0;
  socklen_t size = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &size) != 0) return ThrowErrno(env, "getsockopt", errno);
  if (err != 0) return ThrowErrno(env, "connect", err);
  return Undefined(env);
}

}  // namespace multiproc
