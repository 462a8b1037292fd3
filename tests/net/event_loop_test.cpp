// The feed's I/O loop on real loopback sockets, for both backends (io_uring and the epoll
// fallback): connect, echo, refusal, peer close, partial sends, cancellation, and no
// allocation in steady-state I/O. The peer is a plain blocking echo thread; every wait is
// bounded (socket timeouts on the peer, a deadline on the loop).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <scalper/net/event_loop.hpp>
#include "alloc_counter.hpp"

namespace scalper::net {
namespace {

constexpr auto kDeadline = std::chrono::seconds(10);

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A blocking listener on an ephemeral loopback port; serve() runs the peer on a thread.
class Peer {
 public:
  enum class Mode { Echo, CloseAtOnce };

  explicit Peer(Mode mode) : mode_(mode) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    timeval tv{5, 0};  // the peer never waits unbounded
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] { serve(); });
  }
  ~Peer() {
    thread_.join();
    ::close(listen_fd_);
  }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::size_t echoed() const noexcept { return echoed_; }

 private:
  void serve() {
    const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (mode_ == Mode::Echo) {
      std::vector<char> buf(1 << 16);
      for (;;) {
        const ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
        if (n <= 0) break;
        for (ssize_t off = 0; off < n;) {
          const ssize_t w =
              ::send(c, buf.data() + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
          if (w <= 0) break;
          off += w;
        }
        echoed_ += static_cast<std::size_t>(n);
      }
    }
    ::close(c);
  }

  Mode mode_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::size_t echoed_ = 0;
  std::thread thread_;
};

// Records completions; the tests decide what to start next.
struct Recorder : IoHandler {
  int connected = 1;  // 1: not yet
  std::vector<int> recvs;
  std::vector<int> sends;
  std::function<void(int)> after_recv;
  std::function<void(int)> after_send;
  void on_connect(int r) override { connected = r; }
  void on_recv(int r) override {
    recvs.push_back(r);
    if (after_recv) after_recv(r);
  }
  void on_send(int r) override {
    sends.push_back(r);
    if (after_send) after_send(r);
  }
};

class EventLoopTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    LoopConfig cfg;
    cfg.force_epoll = GetParam();
    cfg.spin_polls = 10;
    std::string warning;
    loop = EventLoop::create(cfg, warning);
    ASSERT_NE(loop, nullptr);
    if (!warning.empty()) std::printf("[ note ] %s\n", warning.c_str());
    if (GetParam()) {
      EXPECT_EQ(loop->backend(), IoBackend::Epoll);
    }
  }
  void TearDown() override {
    if (fd >= 0) ::close(fd);
  }

  // Polls until done() or the deadline; false on the deadline.
  bool run_until(const std::function<bool()>& done) {
    const auto end = std::chrono::steady_clock::now() + kDeadline;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      (void)loop->poll_once(1'000'000);
    }
    return true;
  }

  void connect_to(std::uint16_t port, Recorder& r) {
    fd = open_tcp_socket(AF_INET);
    ASSERT_GE(fd, 0);
    addr = loopback(port);
    loop->connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr, r);
    EXPECT_EQ(r.connected, 1) << "completions come from poll_once, not from connect()";
    ASSERT_TRUE(run_until([&] { return r.connected != 1; }));
  }

  std::unique_ptr<EventLoop> loop;
  int fd = -1;
  sockaddr_in addr{};
};

TEST_P(EventLoopTest, ConnectsSendsAndReceivesTheEcho) {
  Peer peer(Peer::Mode::Echo);
  Recorder r;
  connect_to(peer.port(), r);
  ASSERT_EQ(r.connected, 0);
  const std::string msg = "42[\"join\",{\"channelName\":\"coindcx\"}]";
  std::vector<std::uint8_t> in(256);
  loop->send(fd, {reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()}, r);
  loop->recv(fd, in, r);
  ASSERT_TRUE(run_until([&] { return !r.recvs.empty() && !r.sends.empty(); }));
  EXPECT_EQ(r.sends[0], static_cast<int>(msg.size()));
  ASSERT_GT(r.recvs[0], 0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(in.data()), static_cast<std::size_t>(r.recvs[0])),
            msg.substr(0, static_cast<std::size_t>(r.recvs[0])));
  EXPECT_EQ(loop->pending_ops(), 0u);
  ::shutdown(fd, SHUT_WR);
}

TEST_P(EventLoopTest, RefusedConnectReportsTheError) {
  // A port with nobody listening: bind one, learn its number, close it.
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(probe);
  Recorder r;
  connect_to(ntohs(a.sin_port), r);
  EXPECT_EQ(r.connected, -ECONNREFUSED);
}

TEST_P(EventLoopTest, PeerCloseIsARecvOfZero) {
  Peer peer(Peer::Mode::CloseAtOnce);
  Recorder r;
  connect_to(peer.port(), r);
  ASSERT_EQ(r.connected, 0);
  std::vector<std::uint8_t> in(64);
  loop->recv(fd, in, r);
  ASSERT_TRUE(run_until([&] { return !r.recvs.empty(); }));
  EXPECT_EQ(r.recvs[0], 0);
}

TEST_P(EventLoopTest, LargeTransferThroughPartialSendsAndReads) {
  Peer peer(Peer::Mode::Echo);
  Recorder r;
  connect_to(peer.port(), r);
  ASSERT_EQ(r.connected, 0);
  std::vector<std::uint8_t> out(4 << 20);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i * 131 + 7);
  std::vector<std::uint8_t> in(out.size());
  std::size_t sent = 0, got = 0;
  std::size_t partial_sends = 0;
  r.after_send = [&](int n) {
    ASSERT_GT(n, 0);
    sent += static_cast<std::size_t>(n);
    if (sent < out.size()) {
      ++partial_sends;
      loop->send(fd, std::span<const std::uint8_t>(out).subspan(sent), r);
    }
  };
  r.after_recv = [&](int n) {
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
    if (got < in.size())
      loop->recv(fd, std::span(in).subspan(got, std::min<std::size_t>(65536, in.size() - got)), r);
  };
  loop->send(fd, out, r);
  loop->recv(fd, std::span(in).first(65536), r);
  ASSERT_TRUE(run_until([&] { return got == in.size(); }));
  EXPECT_EQ(in, out);
  EXPECT_GT(r.recvs.size(), 1u) << "4 MiB arrives in several reads";
  (void)partial_sends;  // how many depends on the kernel's buffers; the data is what matters
  ::shutdown(fd, SHUT_WR);
}

TEST_P(EventLoopTest, CancelCompletesAPendingRecv) {
  Peer peer(Peer::Mode::Echo);
  Recorder r;
  connect_to(peer.port(), r);
  std::vector<std::uint8_t> in(64);
  loop->recv(fd, in, r);
  (void)loop->poll_once(0);  // submitted, nothing to read
  EXPECT_TRUE(r.recvs.empty());
  loop->cancel(fd);
  ASSERT_TRUE(run_until([&] { return !r.recvs.empty(); }));
  EXPECT_EQ(r.recvs[0], -ECANCELED);
  EXPECT_EQ(loop->pending_ops(), 0u);
  ::shutdown(fd, SHUT_WR);
}

TEST_P(EventLoopTest, ReadsAnEventfdAnotherThreadWrites) {
  // The engine thread's wake-up: read() on a descriptor that is not a socket.
  const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ASSERT_GE(efd, 0);
  Recorder r;
  std::uint64_t value = 0;
  loop->read(efd, {reinterpret_cast<std::uint8_t*>(&value), sizeof value}, r);
  EXPECT_EQ(loop->poll_once(0), 0) << "nothing written yet";
  std::thread writer([efd] {
    const std::uint64_t three = 3;
    EXPECT_EQ(::write(efd, &three, sizeof three), static_cast<ssize_t>(sizeof three));
  });
  writer.join();
  ASSERT_TRUE(run_until([&] { return !r.recvs.empty(); }));
  EXPECT_EQ(r.recvs[0], 8);
  EXPECT_EQ(value, 3u) << "the counter, read and reset";
  // A second read waits for the next write: the counter is back to 0.
  loop->read(efd, {reinterpret_cast<std::uint8_t*>(&value), sizeof value}, r);
  EXPECT_EQ(loop->poll_once(0), 0);
  loop->cancel(efd);
  ASSERT_TRUE(run_until([&] { return r.recvs.size() == 2; }));
  EXPECT_EQ(r.recvs[1], -ECANCELED);
  ::close(efd);
}

TEST_P(EventLoopTest, SteadyStateRoundTripsDoNotAllocate) {
  Peer peer(Peer::Mode::Echo);
  Recorder r;
  r.recvs.reserve(1000);
  r.sends.reserve(1000);
  connect_to(peer.port(), r);
  std::uint8_t out[64];
  std::uint8_t in[64];
  std::memset(out, 'x', sizeof out);
  auto round_trip = [&] {
    const std::size_t before = r.recvs.size();
    loop->send(fd, out, r);
    loop->recv(fd, in, r);
    return run_until([&] { return r.recvs.size() > before && r.sends.size() == r.recvs.size(); });
  };
  ASSERT_TRUE(round_trip());  // warm-up: the epoll backend sizes its table here
  const scalper::testing::AllocationScope allocs;
  for (int i = 0; i < 200; ++i) {
    if (!round_trip()) FAIL() << "round trip " << i << " timed out";
  }
  EXPECT_EQ(allocs.count(), 0u);
  ::shutdown(fd, SHUT_WR);
}

INSTANTIATE_TEST_SUITE_P(Backends, EventLoopTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? std::string("Epoll") : std::string("Default");
                         });

TEST(EventLoop, BackendNamesAndDefaultChoice) {
  std::string warning;
  auto loop = EventLoop::create(LoopConfig{}, warning);
  ASSERT_NE(loop, nullptr);
  // Which backend depends on the kernel; a fallback always says why.
  EXPECT_EQ(warning.empty(), loop->backend() == IoBackend::IoUring);
  EXPECT_EQ(to_string(IoBackend::IoUring), "io_uring");
  EXPECT_EQ(to_string(IoBackend::Epoll), "epoll");
}

}  // namespace
}  // namespace scalper::net
