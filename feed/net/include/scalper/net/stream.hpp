// stream.hpp — one client byte stream on the EventLoop: a TCP connection, with or without TLS,
// that the protocol above (WebSocket, HTTP) sees as plaintext in and plaintext out.
//
//   Stream s(loop, listener, tls_context_or_nullptr, buffers);
//   s.open(address, "api.coindcx.com", 443);   // TCP connect, then the TLS handshake
//   listener.on_stream_open()                  // verified and ready: write the first request
//   listener.on_stream_data(unconsumed)        // returns the bytes it used up
//   s.write_area() / s.commit_write(n)         // encode straight into the send buffer
//   listener.on_stream_closed(why)             // once per open(): refused, reset, TLS failure,
//                                              // peer close, close() — the owner reconnects
//
// Buffers, allocated once in the constructor: plaintext in (rx) and plaintext out (tx), plus,
// with TLS, the session's two ciphertext rings (TlsConfig::bio_buffer_bytes each). Plain TCP
// receives straight into rx and sends straight from tx. TLS receives into the session's inbox
// (TlsSession::receive_area, no copy), decrypts into rx, and encrypts tx into its outbox, which
// is sent from where it lies. Nothing allocates per read or write.
//
// A send is in flight while more plaintext is encrypted into the TLS outbox: that is safe
// because the outbox is a ring whose unconsumed bytes never move or get overwritten; they are
// released (consume_ciphertext) only once the kernel has taken them.
//
// Teardown: close() cancels the socket's operations and reports on_stream_closed at once; the
// file descriptor is released when the loop has delivered the cancelled completions
// (quiescent()). open() again only when quiescent. Destroy the Stream only when quiescent
// (the loop holds its address as the completion handler until then).
//
// Threading: the loop's thread only. Errors are values (the `why` text); nothing throws after
// construction.
#pragma once

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <scalper/net/event_loop.hpp>
#include <scalper/net/tls.hpp>

namespace scalper::net {

class StreamListener {
 public:
  // Connected; with TLS, the handshake finished and the peer is verified.
  virtual void on_stream_open() = 0;
  // Plaintext arrived. `data` is every received byte not consumed yet, oldest first; the
  // return value is how many of its leading bytes are used up (the rest is offered again with
  // what comes next). The span is mutable so that parsers may work in place (de-chunking,
  // unmasking). It is valid during the call only. The listener may write or close from here.
  virtual std::size_t on_stream_data(std::span<std::uint8_t> data) = 0;
  // The stream ended: connect refused, reset, TLS or verification failure, the peer closed,
  // or close() (which calls it before returning). Once per successful open().
  virtual void on_stream_closed(std::string_view why) = 0;

 protected:
  StreamListener() = default;
  StreamListener(const StreamListener&) = default;
  StreamListener& operator=(const StreamListener&) = default;
  virtual ~StreamListener() = default;
};

enum class StreamState : std::uint8_t {
  Closed,       // never opened, or ended (maybe still draining cancelled operations)
  Connecting,   // TCP connect in flight
  Handshaking,  // TLS handshake in progress
  Open,         // bytes flow
};

[[nodiscard]] std::string_view to_string(StreamState s) noexcept;

struct StreamBuffers {
  std::size_t rx_bytes = std::size_t{1} << 20;  // the largest message must fit whole
  std::size_t tx_bytes = std::size_t{1} << 20;
};

class Stream final : private IoHandler {
 public:
  // `tls` null: plain TCP. Otherwise it must outlive the Stream.
  Stream(EventLoop& loop, StreamListener& listener, TlsContext* tls, StreamBuffers buffers = {});
  ~Stream() override;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Connects to `address`. With TLS, `host` is the name (or IP literal) the certificate must
  // match and SNI carries, and host:port keys the session cache. Returns 0, after which the
  // outcome arrives through the listener from a later poll; or -errno when no socket could be
  // made (nothing started, the listener is not called). Precondition: quiescent().
  [[nodiscard]] int open(const sockaddr_in& address, std::string_view host, std::uint16_t port);

  // Ends the stream now, unsent bytes dropped; on_stream_closed(why) runs before this returns
  // (not if already Closed).
  void close(std::string_view why);
  // Ends the stream once everything written so far has been sent (a WebSocket close frame,
  // for instance); close(why) then. Reading continues until then.
  void close_after_flush(std::string_view why);

  // The free tail of the send buffer: encode into it, then commit_write(n) the bytes written.
  // Empty when the buffer is full or the stream is not open.
  [[nodiscard]] std::span<std::uint8_t> write_area() noexcept;
  void commit_write(std::size_t n) noexcept;
  // Copies `bytes` into the send buffer: false (nothing queued) when they do not fit.
  bool write(std::span<const std::uint8_t> bytes) noexcept;

  [[nodiscard]] StreamState state() const noexcept { return state_; }
  [[nodiscard]] bool is_open() const noexcept { return state_ == StreamState::Open; }
  // No socket held: open() may be called, the Stream may be destroyed.
  [[nodiscard]] bool quiescent() const noexcept { return fd_ < 0; }
  [[nodiscard]] bool uses_tls() const noexcept { return tls_ != nullptr; }
  // The TLS session, for its protocol version, cipher and resumption (nullptr: plain TCP).
  [[nodiscard]] const TlsSession* tls_session() const noexcept { return session_.get(); }
  // Bytes written and not yet handed to the kernel (plaintext plus, with TLS, ciphertext).
  [[nodiscard]] std::size_t unsent_bytes() const noexcept;

 private:
  void on_connect(int result) override;
  void on_recv(int result) override;
  void on_send(int result) override;

  void fail(std::string_view why);
  void fail_tls(std::string_view what);
  void on_closing_completion();
  void release_socket();
  void start_recv();
  void flush();
  void flush_plain();
  void flush_tls();
  bool decrypt_available();
  bool deliver();
  void enter_open();
  void check_close_after_flush();
  void compact_tx() noexcept;

  EventLoop& loop_;
  StreamListener& listener_;
  TlsContext* tls_;
  std::unique_ptr<TlsSession> session_;
  StreamState state_ = StreamState::Closed;
  int fd_ = -1;
  bool connect_pending_ = false;
  bool recv_pending_ = false;
  bool send_pending_ = false;
  bool closing_after_flush_ = false;
  std::size_t closing_ops_ = 0;   // completions still owed by a closed socket
  std::vector<std::uint8_t> rx_;  // [0, rx_len_): plaintext received, not consumed
  std::size_t rx_len_ = 0;
  std::vector<std::uint8_t> tx_;  // [tx_sent_, tx_len_): plaintext written, not yet sent
  std::size_t tx_len_ = 0;        //   (with TLS: not yet encrypted)
  std::size_t tx_sent_ = 0;
  std::size_t in_flight_ = 0;         // bytes of the send in progress
  bool tls_blocked_on_send_ = false;  // decryption waits for outbox room (a post-handshake reply)
  std::string close_why_;             // for close_after_flush
  std::string host_;                  // TLS: the name to verify, and the session cache key
  std::uint16_t port_ = 0;
  sockaddr_in address_{};  // kept for the connect in flight
};

}  // namespace scalper::net
