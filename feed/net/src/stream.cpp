#include <scalper/net/stream.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace scalper::net {

std::string_view to_string(StreamState s) noexcept {
  switch (s) {
    case StreamState::Closed: return "closed";
    case StreamState::Connecting: return "connecting";
    case StreamState::Handshaking: return "tls handshake";
    case StreamState::Open: return "open";
  }
  return "?";
}

Stream::Stream(EventLoop& loop, StreamListener& listener, TlsContext* tls, StreamBuffers buffers)
    : loop_(loop),
      listener_(listener),
      tls_(tls),
      session_(tls != nullptr ? std::make_unique<TlsSession>(*tls) : nullptr),
      rx_(buffers.rx_bytes),
      tx_(buffers.tx_bytes) {}

Stream::~Stream() {
  // The owner waits for quiescent() first; closing here is the last resort.
  if (fd_ >= 0) ::close(fd_);
}

int Stream::open(const sockaddr_in& address, std::string_view host, std::uint16_t port) {
  const int fd = open_tcp_socket(AF_INET);
  if (fd < 0) return fd;
  fd_ = fd;
  address_ = address;
  host_.assign(host);
  port_ = port;
  rx_len_ = tx_len_ = tx_sent_ = in_flight_ = 0;
  closing_after_flush_ = tls_blocked_on_send_ = false;
  state_ = StreamState::Connecting;
  connect_pending_ = true;
  loop_.connect(fd_, reinterpret_cast<const sockaddr*>(&address_), sizeof address_, *this);
  return 0;
}

void Stream::close(std::string_view why) {
  if (state_ == StreamState::Closed) return;
  state_ = StreamState::Closed;
  closing_after_flush_ = false;
  closing_ops_ =
      std::size_t{connect_pending_} + std::size_t{recv_pending_} + std::size_t{send_pending_};
  if (closing_ops_ > 0) {
    loop_.cancel(fd_);  // the fd is closed once every cancelled operation has come back
  } else {
    release_socket();
  }
  listener_.on_stream_closed(why);
}

void Stream::close_after_flush(std::string_view why) {
  if (state_ == StreamState::Closed) return;
  closing_after_flush_ = true;
  close_why_.assign(why);
  check_close_after_flush();
}

void Stream::check_close_after_flush() {
  if (!closing_after_flush_ || send_pending_ || unsent_bytes() > 0) return;
  const std::string why = std::move(close_why_);
  close(why);
}

void Stream::fail(std::string_view why) { close(why); }

void Stream::fail_tls(std::string_view what) {
  std::string why(what);
  why += ": ";
  why += to_string(session_->error());
  if (!session_->error_reason().empty()) {
    why += " (";
    why += session_->error_reason();
    why += ')';
  }
  close(why);
}

void Stream::release_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  connect_pending_ = recv_pending_ = send_pending_ = false;
}

// A completion for a socket being torn down: count it, close when the last one is in.
void Stream::on_closing_completion() {
  if (closing_ops_ > 0 && --closing_ops_ == 0) release_socket();
}

std::size_t Stream::unsent_bytes() const noexcept {
  const std::size_t plain = tx_len_ - tx_sent_;
  return session_ != nullptr && session_->started() ? plain + session_->pending_ciphertext_bytes()
                                                    : plain;
}

// ---- writing --------------------------------------------------------------------------------

void Stream::compact_tx() noexcept {
  // Plain TCP sends from tx_ itself: bytes in flight must not move.
  if (tx_sent_ == 0 || (send_pending_ && session_ == nullptr)) return;
  std::memmove(tx_.data(), tx_.data() + tx_sent_, tx_len_ - tx_sent_);
  tx_len_ -= tx_sent_;
  tx_sent_ = 0;
}

std::span<std::uint8_t> Stream::write_area() noexcept {
  if (state_ != StreamState::Open) return {};
  if (tx_len_ == tx_.size()) compact_tx();
  return {tx_.data() + tx_len_, tx_.size() - tx_len_};
}

void Stream::commit_write(std::size_t n) noexcept {
  if (state_ != StreamState::Open) return;
  tx_len_ += std::min(n, tx_.size() - tx_len_);
  flush();
}

bool Stream::write(std::span<const std::uint8_t> bytes) noexcept {
  if (state_ != StreamState::Open) return false;
  if (tx_.size() - tx_len_ < bytes.size()) compact_tx();
  if (tx_.size() - tx_len_ < bytes.size()) return false;
  std::memcpy(tx_.data() + tx_len_, bytes.data(), bytes.size());
  commit_write(bytes.size());
  return true;
}

void Stream::flush() {
  if (fd_ < 0 || (state_ != StreamState::Open && state_ != StreamState::Handshaking)) return;
  if (session_ != nullptr) {
    flush_tls();
  } else {
    flush_plain();
  }
}

void Stream::flush_plain() {
  if (send_pending_ || tx_sent_ == tx_len_) return;
  in_flight_ = tx_len_ - tx_sent_;
  send_pending_ = true;
  loop_.send(fd_, {tx_.data() + tx_sent_, in_flight_}, *this);
}

void Stream::flush_tls() {
  if (state_ == StreamState::Open && tx_sent_ < tx_len_) {
    // Always offered from tx_sent_ to the end: OpenSSL's retry rule wants the unsent rest
    // again after a partial write, and appending behind it is allowed.
    const TlsIoResult w = session_->write_plaintext({tx_.data() + tx_sent_, tx_len_ - tx_sent_});
    tx_sent_ += w.bytes;
    if (tx_sent_ == tx_len_) tx_sent_ = tx_len_ = 0;
    if (w.status == TlsStatus::Error) return fail_tls("TLS write");
    if (w.status == TlsStatus::Closed) return fail("peer closed the TLS session");
  }
  if (send_pending_) return;
  const std::span<const std::uint8_t> c = session_->pending_ciphertext();
  if (c.empty()) return;
  in_flight_ = c.size();
  send_pending_ = true;
  loop_.send(fd_, c, *this);
}

// ---- reading --------------------------------------------------------------------------------

void Stream::start_recv() {
  if (recv_pending_ || fd_ < 0) return;
  std::span<std::uint8_t> area;
  if (session_ != nullptr) {
    area = session_->receive_area();
  } else {
    area = {rx_.data() + rx_len_, rx_.size() - rx_len_};
  }
  // Plain: rx_ is full of one unfinished message. TLS: the inbox is full because rx_ is (the
  // decrypt loop empties the inbox otherwise). Either way the message cannot fit.
  if (area.empty()) return fail("a message larger than the receive buffer");
  recv_pending_ = true;
  loop_.recv(fd_, area, *this);
}

bool Stream::deliver() {
  const std::size_t used = std::min(listener_.on_stream_data({rx_.data(), rx_len_}), rx_len_);
  if (state_ != StreamState::Open) return false;  // the listener closed it
  if (used > 0) {
    std::memmove(rx_.data(), rx_.data() + used, rx_len_ - used);
    rx_len_ -= used;
  }
  return true;
}

void Stream::enter_open() {
  state_ = StreamState::Open;
  listener_.on_stream_open();
}

// Decrypts what the inbox holds into rx_, delivering as it goes, and drives the handshake and
// post-handshake messages. False when the stream closed on the way.
bool Stream::decrypt_available() {
  for (;;) {
    if (rx_len_ == rx_.size()) {
      fail("a message larger than the receive buffer");
      return false;
    }
    const TlsIoResult r = session_->read_plaintext({rx_.data() + rx_len_, rx_.size() - rx_len_});
    flush();  // handshake flights, alerts, post-handshake replies
    if (state_ == StreamState::Closed) return false;
    if (state_ == StreamState::Handshaking && session_->handshake_done()) {
      enter_open();
      if (state_ != StreamState::Open) return false;
      flush();  // what on_stream_open wrote
    }
    if (r.bytes > 0) {
      rx_len_ += r.bytes;
      if (!deliver()) return false;
      continue;
    }
    switch (r.status) {
      case TlsStatus::Ok:
      case TlsStatus::WantRead: return true;
      case TlsStatus::WantWrite: tls_blocked_on_send_ = true; return true;
      case TlsStatus::Closed: fail("peer closed the TLS session"); return false;
      case TlsStatus::Error: fail_tls("TLS"); return false;
    }
  }
}

// ---- completions ----------------------------------------------------------------------------

void Stream::on_connect(int result) {
  connect_pending_ = false;
  if (state_ != StreamState::Connecting) return on_closing_completion();
  if (result < 0) return fail("connect: " + std::string(std::strerror(-result)));
  if (session_ == nullptr) {
    enter_open();
    if (state_ == StreamState::Open) start_recv();
    return;
  }
  state_ = StreamState::Handshaking;
  if (session_->start(host_, port_) == TlsStatus::Error) return fail_tls("TLS start");
  flush();  // the ClientHello
  start_recv();
}

void Stream::on_recv(int result) {
  recv_pending_ = false;
  if (state_ != StreamState::Handshaking && state_ != StreamState::Open) {
    return on_closing_completion();
  }
  if (result < 0) return fail("recv: " + std::string(std::strerror(-result)));
  if (session_ != nullptr) {
    if (result == 0) {
      session_->feed_eof();  // plaintext before the end is still delivered
      if (decrypt_available()) fail("peer closed the connection");
      return;
    }
    session_->commit_received(static_cast<std::size_t>(result));
    if (!decrypt_available()) return;
  } else {
    if (result == 0) return fail("peer closed the connection");
    rx_len_ += static_cast<std::size_t>(result);
    if (!deliver()) return;
  }
  start_recv();
}

void Stream::on_send(int result) {
  send_pending_ = false;
  if (state_ != StreamState::Handshaking && state_ != StreamState::Open) {
    return on_closing_completion();
  }
  if (result < 0) return fail("send: " + std::string(std::strerror(-result)));
  const auto sent = static_cast<std::size_t>(result);
  if (session_ != nullptr) {
    session_->consume_ciphertext(sent);
    if (tls_blocked_on_send_) {
      tls_blocked_on_send_ = false;
      if (!decrypt_available()) return;
      start_recv();
    }
  } else {
    tx_sent_ += sent;
    if (tx_sent_ == tx_len_) tx_sent_ = tx_len_ = 0;
  }
  flush();
  check_close_after_flush();
}

}  // namespace scalper::net
