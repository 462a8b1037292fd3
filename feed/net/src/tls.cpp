// tls.cpp — TLS client session over an OpenSSL BIO pair, and the context with its session cache.
//
// OpenSSL macros that expand to C casts (SSL_set_tlsext_host_name, BIO_get_write_guarantee,
// SSL_set_app_data, BIO_shutdown_wr ...) are replaced by the SSL_ctrl / BIO_ctrl calls or the
// function forms they stand for, so the project's -Wold-style-cast holds.
#include "scalper/net/tls.hpp"

#include <arpa/inet.h>  // inet_pton: parses an address literal, no socket involved
#include <netinet/in.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace scalper::net {
namespace {

// Largest record plaintext OpenSSL writes (split_send_fragment defaults to this, and this client
// negotiates no smaller max_fragment_length), and the most a record can add to it: header, plus
// the worst of explicit IV + MAC + CBC padding (TLS 1.2) or type byte + AEAD tag (TLS 1.3).
constexpr std::size_t kMaxRecordPlain = SSL3_RT_MAX_PLAIN_LENGTH;
constexpr std::size_t kMaxRecordOverhead = SSL3_RT_HEADER_LENGTH + SSL3_RT_MAX_ENCRYPTED_OVERHEAD;

// RFC 1035: 253 characters in the text form of a name. Longer cannot be a host.
constexpr std::size_t kMaxHostLength = 253;

// The SSL ex_data slot holding the TlsSession*, so that the new-session callback finds the
// session's cache key. One index per process, taken on first use.
int session_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int clamp_int(std::size_t n) noexcept {
  return static_cast<int>(std::min<std::size_t>(n, INT_MAX));
}

// What start() was given, split into what OpenSSL needs.
struct HostName {
  std::string_view text;  // without IPv6 brackets
  bool is_ip = false;
  bool is_ipv6 = false;
};

bool parse_host(std::string_view host, HostName& out) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    out.is_ipv6 = true;  // only if it parses below
  }
  if (host.empty() || host.size() > kMaxHostLength || host.find('\0') != std::string_view::npos) {
    return false;
  }
  out.text = host;
  char z[kMaxHostLength + 1];
  std::memcpy(z, host.data(), host.size());
  z[host.size()] = '\0';
  unsigned char addr[sizeof(in6_addr)];
  const bool v4 = inet_pton(AF_INET, z, addr) == 1;
  const bool v6 = !v4 && inet_pton(AF_INET6, z, addr) == 1;
  if (out.is_ipv6 && !v6) return false;  // "[...]" must hold an IPv6 literal
  out.is_ip = v4 || v6;
  out.is_ipv6 = v6;
  return true;
}

// The cache key: "host:port", IPv6 in brackets so the port cannot be mistaken for a group.
std::string cache_key(const HostName& h, std::uint16_t port) {
  std::string key;
  key.reserve(h.text.size() + 8);
  if (h.is_ipv6) key += '[';
  key += h.text;
  if (h.is_ipv6) key += ']';
  key += ':';
  key += std::to_string(port);
  return key;
}

// Drains this thread's OpenSSL error queue into one message for an exception.
[[noreturn]] void throw_openssl(std::string_view what) {
  std::string msg = "TlsContext: ";
  msg += what;
  bool any = false;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    msg += any ? "; " : ": ";
    msg += buf;
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0') {
      msg += " (";
      msg += data;
      msg += ')';
    }
    any = true;
  }
  throw std::runtime_error(msg);
}

void check(int ok, std::string_view what) {
  if (ok != 1) throw_openssl(what);
}

}  // namespace

std::string_view to_string(TlsStatus s) noexcept {
  switch (s) {
    case TlsStatus::Ok: return "ok";
    case TlsStatus::WantRead: return "want read";
    case TlsStatus::WantWrite: return "want write";
    case TlsStatus::Closed: return "closed";
    case TlsStatus::Error: return "error";
  }
  return "unknown";
}

std::string_view to_string(TlsError e) noexcept {
  switch (e) {
    case TlsError::None: return "none";
    case TlsError::NotStarted: return "not started";
    case TlsError::InvalidHost: return "invalid host";
    case TlsError::Resources: return "out of resources";
    case TlsError::CertificateVerify: return "certificate verification failed";
    case TlsError::Protocol: return "TLS protocol error";
    case TlsError::UnexpectedEof: return "unexpected end of stream";
    case TlsError::Internal: return "internal error";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// TlsContext
// ---------------------------------------------------------------------------------------------

void TlsContext::CtxFree::operator()(ssl_ctx_st* p) const noexcept { SSL_CTX_free(p); }
void TlsContext::SessionFree::operator()(ssl_session_st* p) const noexcept { SSL_SESSION_free(p); }

TlsContext::TlsContext(TlsConfig config) : config_(std::move(config)) {
  ERR_clear_error();
  if (config_.bio_buffer_bytes < TlsConfig::kMinBioBufferBytes ||
      config_.bio_buffer_bytes > static_cast<std::size_t>(INT_MAX)) {
    throw std::runtime_error("TlsContext: bio_buffer_bytes must be at least " +
                             std::to_string(TlsConfig::kMinBioBufferBytes));
  }
  ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!ctx_) throw_openssl("SSL_CTX_new");
  SSL_CTX* ctx = ctx_.get();

  check(static_cast<int>(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)), "minimum version");
  const int max_version = config_.max_version == TlsVersion::Tls12 ? TLS1_2_VERSION : 0;
  check(static_cast<int>(SSL_CTX_set_max_proto_version(ctx, max_version)), "maximum version");

  // No renegotiation: exchanges do not need it, and a server-initiated one would be a second
  // handshake (allocations, a state this session does not expect) in the middle of the stream.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  // Partial writes: SSL_write returns after each record, so write_plaintext() reports progress
  // record by record. Moving buffer: the retry after WantWrite may pass the rest of the data
  // at another address (the caller's queue may have compacted). Release-buffers stays off:
  // with it, OpenSSL frees and re-mallocs its record buffers around every idle moment.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_clear_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

  if (!config_.cipher_list_tls12.empty()) {
    check(SSL_CTX_set_cipher_list(ctx, config_.cipher_list_tls12.c_str()), "TLS 1.2 cipher list");
  }
  if (!config_.ciphersuites_tls13.empty()) {
    check(SSL_CTX_set_ciphersuites(ctx, config_.ciphersuites_tls13.c_str()),
          "TLS 1.3 ciphersuites");
  }

  SSL_CTX_set_verify(ctx, config_.verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  switch (config_.trust) {
    case TlsTrust::SystemStore:
      check(SSL_CTX_set_default_verify_paths(ctx), "loading the system trust store");
      break;
    case TlsTrust::CaFile:
      if (config_.ca_file.empty()) throw std::runtime_error("TlsContext: ca_file is empty");
      check(SSL_CTX_load_verify_file(ctx, config_.ca_file.c_str()),
            "loading CA file " + config_.ca_file);
      break;
  }

  if (config_.alpn_http11) {
    static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    // The one OpenSSL setter that returns 0 on success.
    if (SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn) != 0) throw_openssl("ALPN");
  }

  if (config_.session_resumption) {
    // Client cache, kept here rather than in OpenSSL's internal store: OpenSSL's client side
    // never looks sessions up by itself, and the key that matters (host:port) is ours.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &TlsContext::on_new_session);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  static_cast<void>(session_index());  // take the ex_data slot now, not on the first connect
}

TlsContext::~TlsContext() = default;

bool TlsContext::has_session(std::string_view host, std::uint16_t port) const {
  HostName h;
  if (!parse_host(host, h)) return false;
  return sessions_.find(cache_key(h, port)) != sessions_.end();
}

void TlsContext::forget_session(std::string_view host, std::uint16_t port) {
  HostName h;
  if (parse_host(host, h)) sessions_.erase(cache_key(h, port));
}

void TlsContext::forget_all_sessions() noexcept { sessions_.clear(); }

ssl_session_st* TlsContext::session_for(const std::string& key) {
  const auto it = sessions_.find(key);
  if (it == sessions_.end()) return nullptr;
  // A connection that failed with this session marks it so (SSL_CTX_remove_session inside
  // OpenSSL); an expired ticket is no use either.
  if (SSL_SESSION_is_resumable(it->second.get()) != 1) {
    sessions_.erase(it);
    return nullptr;
  }
  return it->second.get();
}

void TlsContext::store_session(const std::string& key, ssl_session_st* session) {
  SessionPtr owned(session);  // owns the reference from here, whatever happens below
  const auto it = sessions_.find(key);
  if (it != sessions_.end()) {
    it->second = std::move(owned);  // the newest session wins (TLS 1.3 sends two tickets)
  } else {
    sessions_.emplace(key, std::move(owned));
  }
}

int TlsContext::on_new_session(ssl_st* ssl, ssl_session_st* session) {
  auto* self = static_cast<TlsSession*>(SSL_get_ex_data(ssl, session_index()));
  if (self == nullptr || self->cache_key_.empty()) return 0;  // 0: OpenSSL keeps its reference
  try {
    self->context_->store_session(self->cache_key_, session);
  } catch (...) {  // std::bad_alloc must not unwind through OpenSSL's C frames
    return 1;      // store_session took the reference and freed it while unwinding
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// TlsSession
// ---------------------------------------------------------------------------------------------

TlsSession::TlsSession(TlsContext& context) noexcept : context_(&context) {}

TlsSession::~TlsSession() { reset(); }

void TlsSession::reset() noexcept {
  if (ssl_ != nullptr) {
    // SSL_free invalidates the session of a connection that did not send close_notify, a
    // TLS 1.0 rule (RFC 2246 §7.2.1) that TLS 1.1 dropped (RFC 4346 §7.2.1). The io loop often
    // just drops a dead socket, and the rule would then cost the next connect its resumption.
    // Marking the shutdown done keeps the session; a connection that failed was already
    // taken care of: OpenSSL invalidates the session when a fatal alert is sent or received.
    if (error_ == TlsError::None) {
      SSL_set_shutdown(ssl_, SSL_get_shutdown(ssl_) | SSL_SENT_SHUTDOWN);
    }
    SSL_free(ssl_);  // frees SSL's end of the pair too
  }
  if (network_ != nullptr) BIO_free(network_);
  ssl_ = nullptr;
  network_ = nullptr;
  cache_key_.clear();
  write_retry_len_ = 0;
  eof_fed_ = false;
  error_ = TlsError::None;
  reason_len_ = 0;
}

TlsStatus TlsSession::start(std::string_view host, std::uint16_t port) {
  reset();
  ERR_clear_error();
  HostName h;
  if (!parse_host(host, h)) {
    return fail(TlsError::InvalidHost, "host is empty, longer than 253 bytes or holds a NUL");
  }
  const std::string host_z(h.text);  // NUL-terminated for OpenSSL, which copies it

  ssl_ = SSL_new(context_->ctx_.get());
  if (ssl_ == nullptr) {
    fail_from_queue(TlsError::Resources);
    return TlsStatus::Error;
  }
  BIO* internal = nullptr;
  const std::size_t ring = context_->config_.bio_buffer_bytes;
  if (BIO_new_bio_pair(&internal, ring, &network_, ring) != 1) {
    network_ = nullptr;
    fail_from_queue(TlsError::Resources);
    return TlsStatus::Error;
  }
  SSL_set_bio(ssl_, internal, internal);  // SSL takes the one reference
  SSL_set_connect_state(ssl_);
  if (SSL_set_ex_data(ssl_, session_index(), this) != 1) {
    fail_from_queue(TlsError::Resources);
    return TlsStatus::Error;
  }

  bool ok = true;
  if (context_->config_.verify_peer) {
    if (h.is_ip) {
      // Compared as an address against the IP SANs, never as text against DNS names.
      ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host_z.c_str()) == 1;
    } else {
      SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = SSL_set1_host(ssl_, host_z.c_str()) == 1;
    }
  }
  if (ok && !h.is_ip) {
    // SSL_set_tlsext_host_name, without its C cast. OpenSSL copies the name.
    ok = SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(host_z.c_str())) == 1;
  }
  if (!ok) {
    fail_from_queue(TlsError::InvalidHost);
    return TlsStatus::Error;
  }

  cache_key_ = cache_key(h, port);
  if (context_->config_.session_resumption) {
    if (ssl_session_st* cached = context_->session_for(cache_key_)) {
      // Takes its own reference. A refusal (say, a version this context no longer allows) only
      // means a full handshake.
      if (SSL_set_session(ssl_, cached) != 1) ERR_clear_error();
    }
  }
  return handshake();
}

TlsStatus TlsSession::handshake() noexcept {
  if (error_ != TlsError::None) return TlsStatus::Error;
  if (ssl_ == nullptr) return fail(TlsError::NotStarted, "start() was not called");
  if (SSL_is_init_finished(ssl_) == 1) return TlsStatus::Ok;
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) return TlsStatus::Ok;
  return status_from(rc);
}

std::size_t TlsSession::feed_ciphertext(std::span<const std::uint8_t> bytes) noexcept {
  // After feed_eof() the pair refuses writes (and would leave an error in the queue).
  if (network_ == nullptr || eof_fed_) return 0;
  std::size_t taken = 0;
  while (taken < bytes.size()) {
    const int n = BIO_write(network_, bytes.data() + taken, clamp_int(bytes.size() - taken));
    if (n <= 0) break;  // inbox full
    taken += static_cast<std::size_t>(n);
  }
  return taken;
}

std::span<std::uint8_t> TlsSession::receive_area() noexcept {
  if (network_ == nullptr || eof_fed_) return {};
  char* p = nullptr;
  const int n = BIO_nwrite0(network_, &p);
  if (n <= 0 || p == nullptr) return {};
  return {reinterpret_cast<std::uint8_t*>(p), static_cast<std::size_t>(n)};
}

void TlsSession::commit_received(std::size_t n) noexcept {
  if (network_ == nullptr || eof_fed_ || n == 0) return;
  char* p = nullptr;
  // BIO_nwrite clamps to the contiguous free space, the size receive_area() returned.
  static_cast<void>(BIO_nwrite(network_, &p, clamp_int(n)));
}

void TlsSession::feed_eof() noexcept {
  if (network_ == nullptr || eof_fed_) return;
  eof_fed_ = true;
  // BIO_shutdown_wr without its C cast: once the inbox drains, SSL's reads see end of stream.
  static_cast<void>(BIO_ctrl(network_, BIO_C_SHUTDOWN_WR, 0, nullptr));
}

TlsIoResult TlsSession::read_plaintext(std::span<std::uint8_t> out) noexcept {
  if (error_ != TlsError::None) return {0, TlsStatus::Error};
  if (ssl_ == nullptr) return {0, fail(TlsError::NotStarted, "start() was not called")};
  if (out.empty()) return {0, handshake()};
  std::size_t total = 0;
  while (total < out.size()) {
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_read_ex(ssl_, out.data() + total, out.size() - total, &n);
    if (rc == 1) {
      total += n;
      continue;
    }
    // status_from records an error, so a failure after some plaintext is reported by the next
    // call (sticky); a close is reported again by OpenSSL itself.
    const TlsStatus st = status_from(rc);
    if (total > 0) return {total, TlsStatus::Ok};
    return {0, st};
  }
  return {total, TlsStatus::Ok};
}

TlsIoResult TlsSession::write_plaintext(std::span<const std::uint8_t> in) noexcept {
  if (error_ != TlsError::None) return {0, TlsStatus::Error};
  if (ssl_ == nullptr) return {0, fail(TlsError::NotStarted, "start() was not called")};
  if (SSL_is_init_finished(ssl_) != 1) {
    const TlsStatus st = handshake();
    if (st != TlsStatus::Ok) return {0, st};
  }
  BIO* outbox = SSL_get_wbio(ssl_);
  std::size_t total = 0;
  while (total < in.size()) {
    // Whole records only: the plaintext whose records, at worst-case expansion, fit the free
    // part of the outbox. Then SSL_write never stops in the middle of a record, and nothing the
    // caller was told is "taken" sits in OpenSSL instead of the outbox.
    const std::size_t space = BIO_ctrl_get_write_guarantee(outbox);
    const std::size_t chunk = kMaxRecordPlain + kMaxRecordOverhead;
    const std::size_t rem = space % chunk;
    std::size_t want = (space / chunk) * kMaxRecordPlain +
                       (rem > kMaxRecordOverhead ? rem - kMaxRecordOverhead : 0);
    want = std::min(want, in.size() - total);
    // OpenSSL's retry rule after a half-written record: offer at least as much again.
    want = std::max(want, std::min(write_retry_len_, in.size() - total));
    if (want == 0) return {total, TlsStatus::WantWrite};
    ERR_clear_error();
    std::size_t n = 0;
    const int rc = SSL_write_ex(ssl_, in.data() + total, want, &n);
    if (rc == 1) {
      write_retry_len_ = 0;
      total += n;
      continue;
    }
    const TlsStatus st = status_from(rc);
    if (st == TlsStatus::WantWrite) write_retry_len_ = want;
    return {total, st};
  }
  return {total, TlsStatus::Ok};
}

std::span<const std::uint8_t> TlsSession::pending_ciphertext() noexcept {
  if (network_ == nullptr) return {};
  char* p = nullptr;
  const int n = BIO_nread0(network_, &p);
  if (n <= 0 || p == nullptr) return {};
  return {reinterpret_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
}

void TlsSession::consume_ciphertext(std::size_t n) noexcept {
  if (network_ == nullptr || n == 0) return;
  char* p = nullptr;
  static_cast<void>(BIO_nread(network_, &p, clamp_int(n)));  // clamps to what nread0 showed
}

std::size_t TlsSession::pending_ciphertext_bytes() const noexcept {
  return network_ == nullptr ? 0 : BIO_ctrl_pending(network_);
}

TlsStatus TlsSession::shutdown() noexcept {
  if (error_ != TlsError::None) return TlsStatus::Error;
  if (ssl_ == nullptr) return fail(TlsError::NotStarted, "start() was not called");
  if (SSL_is_init_finished(ssl_) != 1) return TlsStatus::Ok;  // nothing to say yet
  ERR_clear_error();
  const int rc = SSL_shutdown(ssl_);
  if (rc >= 0) return TlsStatus::Ok;  // 0: ours queued; 1: the peer's had come too
  return status_from(rc);
}

bool TlsSession::handshake_done() const noexcept {
  return ssl_ != nullptr && SSL_is_init_finished(ssl_) == 1;
}

bool TlsSession::resumed() const noexcept {
  return ssl_ != nullptr && SSL_session_reused(ssl_) == 1;
}

std::string_view TlsSession::protocol_version() const noexcept {
  return ssl_ == nullptr ? std::string_view{} : std::string_view{SSL_get_version(ssl_)};
}

std::string_view TlsSession::cipher() const noexcept {
  if (!handshake_done()) return {};
  const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
  return c == nullptr ? std::string_view{} : std::string_view{SSL_CIPHER_get_name(c)};
}

std::string_view TlsSession::alpn_protocol() const noexcept {
  if (ssl_ == nullptr) return {};
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &data, &len);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data), len};
}

TlsStatus TlsSession::status_from(int rc) noexcept {
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ: return TlsStatus::WantRead;
    case SSL_ERROR_WANT_WRITE: return TlsStatus::WantWrite;
    case SSL_ERROR_ZERO_RETURN: return TlsStatus::Closed;
    case SSL_ERROR_SSL: fail_from_queue(TlsError::Protocol); return TlsStatus::Error;
    case SSL_ERROR_SYSCALL:
      // A memory BIO has no errno; this is end of stream without a TLS-level reason.
      if (eof_fed_ && ERR_peek_error() == 0) {
        return fail(TlsError::UnexpectedEof, "unexpected eof while reading");
      }
      fail_from_queue(eof_fed_ ? TlsError::UnexpectedEof : TlsError::Internal);
      return TlsStatus::Error;
    default: return fail(TlsError::Internal, "unexpected SSL_get_error result");
  }
}

TlsStatus TlsSession::fail(TlsError e, std::string_view reason) noexcept {
  error_ = e;
  reason_len_ = 0;
  append_reason(reason);
  return TlsStatus::Error;
}

void TlsSession::fail_from_queue(TlsError fallback) noexcept {
  TlsError kind = fallback;
  reason_len_ = 0;
  bool verify_failed = false;
  bool any = false;
  while (const unsigned long code = ERR_get_error()) {
    if (any) append_reason("; ");
    any = true;
    if (const char* r = ERR_reason_error_string(code)) {
      append_reason(r);
    } else {
      char buf[256];
      ERR_error_string_n(code, buf, sizeof buf);
      append_reason(buf);
    }
    if (ERR_GET_LIB(code) == ERR_LIB_SSL) {
      const int reason = ERR_GET_REASON(code);
      if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        kind = TlsError::CertificateVerify;
        verify_failed = true;
      } else if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        kind = TlsError::UnexpectedEof;
      }
    }
  }
  if (verify_failed && ssl_ != nullptr) {
    // The queue says only "certificate verify failed"; the why is in the verify result.
    append_reason(": ");
    append_reason(X509_verify_cert_error_string(SSL_get_verify_result(ssl_)));
  }
  if (!any) append_reason("no OpenSSL error reported");
  error_ = kind;
}

void TlsSession::append_reason(std::string_view text) noexcept {
  const std::size_t n = std::min(text.size(), reason_.size() - reason_len_);
  std::memcpy(reason_.data() + reason_len_, text.data(), n);
  reason_len_ += n;
}

}  // namespace scalper::net
