// event_loop.hpp — the feed thread's I/O loop: non-blocking TCP on io_uring (liburing), with
// an epoll fallback where io_uring is missing or refused, and a configurable idle strategy.
//
// Completion model for both backends: the caller starts an operation (connect, recv, send) on
// a socket and is called back from poll_once() with its result, never from inside the call
// that started it. One outstanding operation of each kind per socket. Buffers and addresses
// passed in must stay valid until the completion arrives (or the cancellation completes).
//
// Why not a general-purpose library (Boost.Asio, libuv): the feed thread runs one loop on a
// pinned core, wants io_uring's batched submission without a thread pool or allocation per
// operation, and must busy-spin in benchmarks; the loop is small enough to own.
//
// Threading: one thread per loop, no locks. Allocation: none per operation after a socket's
// first operation (the epoll backend sizes its per-fd table once per new fd number).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace scalper::net {

// Receives completions. Results are byte counts (0 from recv: the peer closed) or -errno
// (-ECANCELED after cancel(), -ECONNREFUSED, -ETIMEDOUT, ...).
class IoHandler {
 public:
  virtual void on_connect(int result) = 0;
  virtual void on_recv(int result) = 0;
  virtual void on_send(int result) = 0;

 protected:
  IoHandler() = default;
  IoHandler(const IoHandler&) = default;
  IoHandler& operator=(const IoHandler&) = default;
  virtual ~IoHandler() = default;  // not deleted through this interface
};

enum class IoBackend : std::uint8_t { IoUring, Epoll };
[[nodiscard]] std::string_view to_string(IoBackend b) noexcept;

enum class IdleStrategy : std::uint8_t {
  BusySpin,      // never sleep: benchmarks and a pinned production core
  SpinThenPark,  // spin a while, then block in the kernel until work or the deadline
};

struct LoopConfig {
  IdleStrategy idle = IdleStrategy::SpinThenPark;  // the demo must not burn a core
  std::uint32_t spin_polls = 2000;                 // empty polls before parking
  std::uint32_t ring_entries = 256;                // io_uring submission queue size
  bool force_epoll = false;                        // tests and machines that forbid io_uring
};

class EventLoop {
 public:
  // io_uring when the kernel has it and allows every operation the loop uses (probed);
  // otherwise epoll, with the reason in `warning` (log it once).
  [[nodiscard]] static std::unique_ptr<EventLoop> create(const LoopConfig& config,
                                                         std::string& warning);
  virtual ~EventLoop() = default;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  [[nodiscard]] virtual IoBackend backend() const noexcept = 0;

  // `fd` must be a non-blocking TCP socket (for read(): any non-blocking descriptor).
  virtual void connect(int fd, const sockaddr* addr, socklen_t len, IoHandler& h) = 0;
  virtual void recv(int fd, std::span<std::uint8_t> buf, IoHandler& h) = 0;
  // recv() for a descriptor that is not a socket (an eventfd another thread signals to wake
  // this loop): read(2) instead of recv(2). Completes through IoHandler::on_recv.
  virtual void read(int fd, std::span<std::uint8_t> buf, IoHandler& h) = 0;
  virtual void send(int fd, std::span<const std::uint8_t> buf, IoHandler& h) = 0;
  // Cancels the socket's outstanding operations; each completes with -ECANCELED (or its real
  // result, if it finished first). Call before close(fd), and keep the handler alive until
  // the completions have arrived (pending_ops() == 0 for it).
  virtual void cancel(int fd) = 0;

  // Submits what was started, delivers completions, then, if none arrived, idles per the
  // strategy for at most max_wait_ns (0: just look). Returns completions delivered.
  virtual int poll_once(std::int64_t max_wait_ns) = 0;

  // Operations started and not yet completed.
  [[nodiscard]] virtual std::size_t pending_ops() const noexcept = 0;

 protected:
  EventLoop() = default;
};

// Opens a non-blocking, close-on-exec TCP socket with TCP_NODELAY (orders must not wait for
// Nagle). Returns the fd or -errno.
[[nodiscard]] int open_tcp_socket(int family) noexcept;

}  // namespace scalper::net
