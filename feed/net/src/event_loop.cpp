#include <scalper/net/event_loop.hpp>

#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace scalper::net {
namespace {

// ---- io_uring -------------------------------------------------------------------------------

// user_data = handler address | operation kind in the low bits (handlers are polymorphic,
// so at least pointer-aligned). 0 marks the loop's own cancel requests, whose completions
// carry nothing for anyone.
enum OpKind : std::uintptr_t { kInternal = 0, kConnect = 1, kRecv = 2, kSend = 3 };
constexpr std::uintptr_t kKindMask = 3;

class UringLoop final : public EventLoop {
 public:
  explicit UringLoop(const LoopConfig& config) : config_(config) {}
  ~UringLoop() override {
    if (ready_) io_uring_queue_exit(&ring_);
  }

  // False (with the reason) when io_uring cannot be used here.
  bool init(std::string& why) {
    // Cooperative task running: completion work runs when this thread enters the kernel for
    // the ring, instead of interrupting whatever it is doing (without it, a blocking call
    // elsewhere on the thread can fail with EINTR when a completion lands). The kernel then
    // raises IORING_SQ_TASKRUN when such work waits, and poll_once enters to run it (a
    // busy-spinning loop would otherwise only see it at the next timer tick: milliseconds).
    // Single issuer: only this thread submits. All newer than some kernels: fall back to none.
    io_uring_params params{};
    params.flags =
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SINGLE_ISSUER;
    int r = io_uring_queue_init_params(config_.ring_entries, &ring_, &params);
    if (r == -EINVAL) r = io_uring_queue_init(config_.ring_entries, &ring_, 0);
    if (r < 0) {
      why = "io_uring unavailable (" + std::string(std::strerror(-r)) + "); using epoll";
      return false;
    }
    ready_ = true;
    io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
    if (probe == nullptr) {
      why = "io_uring probe refused; using epoll";
      return false;
    }
    const bool ok = io_uring_opcode_supported(probe, IORING_OP_CONNECT) != 0 &&
                    io_uring_opcode_supported(probe, IORING_OP_RECV) != 0 &&
                    io_uring_opcode_supported(probe, IORING_OP_READ) != 0 &&
                    io_uring_opcode_supported(probe, IORING_OP_SEND) != 0 &&
                    io_uring_opcode_supported(probe, IORING_OP_ASYNC_CANCEL) != 0;
    io_uring_free_probe(probe);
    if (!ok) why = "io_uring lacks connect/recv/read/send/cancel; using epoll";
    return ok;
  }

  IoBackend backend() const noexcept override { return IoBackend::IoUring; }

  void connect(int fd, const sockaddr* addr, socklen_t len, IoHandler& h) override {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_connect(sqe, fd, addr, len);
    tag(sqe, h, kConnect);
  }
  void recv(int fd, std::span<std::uint8_t> buf, IoHandler& h) override {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_recv(sqe, fd, buf.data(), buf.size(), 0);
    tag(sqe, h, kRecv);
  }
  void read(int fd, std::span<std::uint8_t> buf, IoHandler& h) override {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_read(sqe, fd, buf.data(), static_cast<unsigned>(buf.size()), 0);
    tag(sqe, h, kRecv);
  }
  void send(int fd, std::span<const std::uint8_t> buf, IoHandler& h) override {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_send(sqe, fd, buf.data(), buf.size(), MSG_NOSIGNAL);
    tag(sqe, h, kSend);
  }
  void cancel(int fd) override {
    io_uring_sqe* sqe = next_sqe();
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, kInternal);
  }

  int poll_once(std::int64_t max_wait_ns) override {
    io_uring_submit(&ring_);
    if ((IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN) != 0) {
      (void)io_uring_get_events(&ring_);  // run the completions the kernel holds for us
    }
    int n = reap();
    if (n > 0 || max_wait_ns <= 0 || config_.idle == IdleStrategy::BusySpin) {
      if (n > 0) empty_polls_ = 0;
      return n;
    }
    if (++empty_polls_ < config_.spin_polls) return 0;
    __kernel_timespec ts{};
    ts.tv_sec = max_wait_ns / 1'000'000'000;
    ts.tv_nsec = max_wait_ns % 1'000'000'000;
    io_uring_cqe* cqe = nullptr;
    (void)io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);  // -ETIME: idle
    n = reap();
    if (n > 0) empty_polls_ = 0;
    return n;
  }

  std::size_t pending_ops() const noexcept override { return pending_; }

 private:
  io_uring_sqe* next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {  // the queue is full: hand it to the kernel and take a fresh slot
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;  // non-null: submit freed the whole queue
  }
  void tag(io_uring_sqe* sqe, IoHandler& h, OpKind kind) {
    io_uring_sqe_set_data64(sqe, reinterpret_cast<std::uintptr_t>(&h) | kind);
    ++pending_;
  }

  int reap() {
    int n = 0;
    io_uring_cqe* cqe = nullptr;
    // One at a time, marking each seen before its handler runs: a handler may start new
    // operations (and even poll), which must find the queue consistent.
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      const std::uint64_t data = cqe->user_data;
      const int res = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      const auto kind = static_cast<OpKind>(data & kKindMask);
      if (kind == kInternal) continue;
      --pending_;
      ++n;
      IoHandler& h = *reinterpret_cast<IoHandler*>(data & ~kKindMask);
      switch (kind) {
        case kConnect: h.on_connect(res); break;
        case kRecv: h.on_recv(res); break;
        case kSend: h.on_send(res); break;
        case kInternal: break;
      }
    }
    return n;
  }

  LoopConfig config_;
  io_uring ring_{};
  bool ready_ = false;
  std::size_t pending_ = 0;
  std::uint32_t empty_polls_ = 0;
};

// ---- epoll ----------------------------------------------------------------------------------

class EpollLoop final : public EventLoop {
 public:
  explicit EpollLoop(const LoopConfig& config) : config_(config) {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    ready_.reserve(64);
    delivering_.reserve(64);
  }
  ~EpollLoop() override {
    if (epfd_ >= 0) ::close(epfd_);
  }
  [[nodiscard]] bool ok() const noexcept { return epfd_ >= 0; }

  IoBackend backend() const noexcept override { return IoBackend::Epoll; }

  void connect(int fd, const sockaddr* addr, socklen_t len, IoHandler& h) override {
    ++pending_;
    if (::connect(fd, addr, len) == 0) return complete(h, kConnect, 0);
    if (errno != EINPROGRESS) return complete(h, kConnect, -errno);
    state(fd).connect_h = &h;
    update(fd);
  }
  void recv(int fd, std::span<std::uint8_t> buf, IoHandler& h) override {
    ++pending_;
    FdState& s = state(fd);
    s.recv_h = &h;
    s.rbuf = buf;
    s.plain_read = false;
    update(fd);
  }
  void read(int fd, std::span<std::uint8_t> buf, IoHandler& h) override {
    ++pending_;
    FdState& s = state(fd);
    s.recv_h = &h;
    s.rbuf = buf;
    s.plain_read = true;
    update(fd);
  }
  void send(int fd, std::span<const std::uint8_t> buf, IoHandler& h) override {
    ++pending_;
    FdState& s = state(fd);
    s.send_h = &h;
    s.sbuf = buf;
    update(fd);
  }
  void cancel(int fd) override {
    if (fd < 0 || static_cast<std::size_t>(fd) >= fds_.size()) return;
    FdState& s = fds_[static_cast<std::size_t>(fd)];
    if (s.connect_h != nullptr)
      complete(*std::exchange(s.connect_h, nullptr), kConnect, -ECANCELED);
    if (s.recv_h != nullptr) complete(*std::exchange(s.recv_h, nullptr), kRecv, -ECANCELED);
    if (s.send_h != nullptr) complete(*std::exchange(s.send_h, nullptr), kSend, -ECANCELED);
    update(fd);
  }

  int poll_once(std::int64_t max_wait_ns) override {
    int n = deliver();
    int timeout_ms = 0;
    if (n == 0 && max_wait_ns > 0 && config_.idle == IdleStrategy::SpinThenPark &&
        ++empty_polls_ >= config_.spin_polls) {
      timeout_ms = static_cast<int>((max_wait_ns + 999'999) / 1'000'000);  // round up
    }
    epoll_event events[64];
    const int k = ::epoll_wait(epfd_, events, 64, timeout_ms);
    for (int i = 0; i < k; ++i) on_event(events[i].data.fd, events[i].events);
    n += deliver();
    if (n > 0) empty_polls_ = 0;
    return n;
  }

  std::size_t pending_ops() const noexcept override { return pending_; }

 private:
  struct FdState {
    IoHandler* connect_h = nullptr;
    IoHandler* recv_h = nullptr;
    IoHandler* send_h = nullptr;
    std::span<std::uint8_t> rbuf;
    std::span<const std::uint8_t> sbuf;
    bool plain_read = false;     // the pending recv is a read(2): not a socket
    std::uint32_t interest = 0;  // what epoll watches now
    bool registered = false;
  };
  struct Completion {
    IoHandler* h;
    OpKind kind;
    int result;
  };

  FdState& state(int fd) {
    const auto i = static_cast<std::size_t>(fd);
    if (i >= fds_.size()) fds_.resize(i + 1);  // once per new fd number
    return fds_[i];
  }

  // Watches exactly what the pending operations wait for (level-triggered).
  void update(int fd) {
    FdState& s = state(fd);
    std::uint32_t want = 0;
    if (s.recv_h != nullptr) want |= EPOLLIN | EPOLLRDHUP;
    if (s.send_h != nullptr || s.connect_h != nullptr) want |= EPOLLOUT;
    if (want == s.interest && s.registered) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.fd = fd;
    // A closed fd leaves epoll by itself, so a reused number may be unknown to it: MOD
    // falls back to ADD, and ADD to MOD.
    int r = s.registered ? ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) : -1;
    if (r != 0) r = ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    if (r != 0 && errno == EEXIST) r = ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
    s.registered = r == 0;
    s.interest = want;
  }

  void on_event(int fd, std::uint32_t ev) {
    FdState& s = state(fd);
    const bool broken = (ev & (EPOLLERR | EPOLLHUP)) != 0;
    if (s.connect_h != nullptr && ((ev & EPOLLOUT) != 0 || broken)) {
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      complete(*std::exchange(s.connect_h, nullptr), kConnect, -err);
    }
    if (s.recv_h != nullptr && ((ev & (EPOLLIN | EPOLLRDHUP)) != 0 || broken)) {
      const ssize_t r = s.plain_read ? ::read(fd, s.rbuf.data(), s.rbuf.size())
                                     : ::recv(fd, s.rbuf.data(), s.rbuf.size(), 0);
      if (r >= 0 || errno != EAGAIN) {
        complete(*std::exchange(s.recv_h, nullptr), kRecv, r >= 0 ? static_cast<int>(r) : -errno);
      }
    }
    if (s.send_h != nullptr && ((ev & EPOLLOUT) != 0 || broken)) {
      const ssize_t r = ::send(fd, s.sbuf.data(), s.sbuf.size(), MSG_NOSIGNAL);
      if (r >= 0 || errno != EAGAIN) {
        complete(*std::exchange(s.send_h, nullptr), kSend, r >= 0 ? static_cast<int>(r) : -errno);
      }
    }
    update(fd);
  }

  void complete(IoHandler& h, OpKind kind, int result) { ready_.push_back({&h, kind, result}); }

  // Completions are delivered from poll_once only, never from inside the call that started
  // the operation; handlers may start new ones, which land in ready_ for the next round.
  int deliver() {
    delivering_.swap(ready_);
    for (const Completion& c : delivering_) {
      --pending_;
      switch (c.kind) {
        case kConnect: c.h->on_connect(c.result); break;
        case kRecv: c.h->on_recv(c.result); break;
        case kSend: c.h->on_send(c.result); break;
        case kInternal: break;
      }
    }
    const int n = static_cast<int>(delivering_.size());
    delivering_.clear();
    return n;
  }

  LoopConfig config_;
  int epfd_ = -1;
  std::vector<FdState> fds_;
  std::vector<Completion> ready_;
  std::vector<Completion> delivering_;
  std::size_t pending_ = 0;
  std::uint32_t empty_polls_ = 0;
};

}  // namespace

std::string_view to_string(IoBackend b) noexcept {
  return b == IoBackend::IoUring ? "io_uring" : "epoll";
}

std::unique_ptr<EventLoop> EventLoop::create(const LoopConfig& config, std::string& warning) {
  warning.clear();
  if (!config.force_epoll) {
    auto uring = std::make_unique<UringLoop>(config);
    if (uring->init(warning)) return uring;
  }
  auto epoll = std::make_unique<EpollLoop>(config);
  if (!epoll->ok()) return nullptr;
  return epoll;
}

int open_tcp_socket(int family) noexcept {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  const int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    const int err = errno;
    ::close(fd);
    return -err;
  }
  return fd;
}

}  // namespace scalper::net
