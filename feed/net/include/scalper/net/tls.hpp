// tls.hpp — a TLS client session over memory buffers (OpenSSL 3), for an event loop that owns
// the socket.
//
// No socket calls, no blocking, no clocks, no threads. The io loop moves bytes:
//
//   session.start("api.coindcx.com", 443);          // ClientHello is now in the outbox
//   loop:
//     send(session.pending_ciphertext()); session.consume_ciphertext(sent);
//     on recv(bytes):   session.feed_ciphertext(bytes)   (or recv into receive_area())
//                       r = session.read_plaintext(buf)  -> plaintext, or why there is none
//     to send message:  w = session.write_plaintext(msg) -> bytes taken into the outbox
//     on recv() == 0:   session.feed_eof()
//
// After EVERY call, pending_ciphertext() may hold bytes to send (handshake flights, the
// client's Finished, alerts, close_notify, application records). read_plaintext() must be
// called after each feed even before handshake_done(): it is what drives the handshake and
// processes post-handshake messages (TLS 1.3 session tickets, key updates).
//
// Buffers. Each session owns one OpenSSL BIO pair, a fixed ring per direction
// (TlsConfig::bio_buffer_bytes, 64 KiB by default), allocated once in start():
//   * inbox  (socket → TLS): feed_ciphertext() copies into it and returns how much fitted;
//     receive_area()/commit_received() let the loop recv() straight into it instead.
//   * outbox (TLS → socket): pending_ciphertext() is a view into it (BIO_nread0, no copy),
//     consume_ciphertext(n) releases what the socket took. Since it is a ring, the view is the
//     contiguous part only: after consuming it, ask again.
// A full ring is back-pressure, never loss: feed_ciphertext() takes a prefix, write_plaintext()
// takes a prefix and answers WantWrite.
//
// Allocation. This code allocates in start() only (the cache key; OpenSSL's SSL object, BIO
// pair and record buffers). OpenSSL allocates during the handshake (key schedule, certificate
// parsing) and when a session ticket arrives (it becomes an SSL_SESSION in TlsContext's cache).
// After that nothing here allocates, per message or per byte. libssl 3.0 itself still does, per
// RECORD, a few 40-byte blocks freed before the call returns (WPACKET bookkeeping in its record
// layer, unconditional, no setting removes it); measured in tls_test.cpp through OpenSSL's
// malloc hooks:
//                              per record written   per record read
//     TLS 1.3 (any suite)             3                    1
//     TLS 1.2 ECDHE AEAD              2                    0
//     TLS 1.2 CBC (not offered)      28                   26
// The record buffers live as long as the connection because SSL_MODE_RELEASE_BUFFERS stays off
// (OpenSSL's default; with it every idle moment frees and re-mallocs 16 KiB buffers). A process
// that needs literally zero mallocs on the hot path can route OpenSSL's through a pool with
// CRYPTO_set_mem_functions before its first OpenSSL call; that is a process-wide choice, so it
// is not made here.
//
// Verification (on by default). The peer's chain is checked against the trust store (system
// default paths, or a CA file such as the simulator's cert.pem) and the certificate must match
// the host passed to start(): a DNS name against its DNS SANs (no partial wildcards like
// "f*.com"), an IP literal against its IP SANs, compared as addresses ("127.0.0.1", "::1",
// "[::1]"). SNI is sent for names only; RFC 6066 §3 forbids IP literals in it.
//
// Session resumption (on by default). TlsContext keeps the newest resumable session per
// "host:port" and start() offers it, so a reconnect skips the certificate exchange and costs
// one round trip less in TLS 1.2. Sessions arrive through SSL_CTX_sess_set_new_cb, which covers
// both versions: TLS 1.2 hands over the session at the end of the handshake, TLS 1.3 in
// NewSessionTicket messages that come AFTER the handshake, inside read_plaintext() — a
// connection that never reads after its handshake stores nothing. A TLS 1.3 ticket stays
// offered until a newer one replaces it: RFC 8446 §C.4 advises single use for privacy, which a
// trading client logged in to its exchange does not have; a server that refuses a reused ticket
// simply does a full handshake. A fatal alert, sent or received, makes OpenSSL mark the
// connection's session non-resumable, and start() then drops it from the cache instead of
// offering it. A connection merely dropped without close_notify keeps its session (TLS 1.1+
// allows it, RFC 4346 §7.2.1; OpenSSL would otherwise invalidate it in SSL_free).
//
// Errors. A status says what the caller does next; on Error, error() says which kind of failure
// and error_reason() the OpenSSL text: the reasons in the thread's OpenSSL error queue, joined
// with "; ", and for a failed certificate check X509_verify_cert_error_string() after a colon,
// e.g. "certificate verify failed: hostname mismatch". The text is kept in a fixed buffer in the
// session (no allocation on the error path). Errors are sticky until the next start(). After an
// Error the outbox may hold a fatal alert: sending it is polite, closing is enough.
//
// Threading: a TlsContext and all sessions made from it belong to one thread (the io loop's);
// the session cache is not locked. Distinct contexts are independent. Every call here uses the
// calling thread's OpenSSL error queue, and clears it first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

// OpenSSL types, forward-declared so that this header does not pull in <openssl/ssl.h>.
struct ssl_ctx_st;
struct ssl_st;
struct ssl_session_st;
struct bio_st;

namespace scalper::net {

// Where the certificates that anchor verification come from.
enum class TlsTrust : std::uint8_t {
  SystemStore,  // SSL_CTX_set_default_verify_paths (Debian: /etc/ssl/certs)
  CaFile,       // the PEM file TlsConfig::ca_file, alone (e.g. the simulator's cert.pem)
};

enum class TlsVersion : std::uint8_t { Tls12, Tls13 };

struct TlsConfig {
  TlsTrust trust = TlsTrust::SystemStore;
  std::string ca_file;  // used when trust == CaFile; PEM, may hold several certificates
  // Off only for experiments: the peer is then not authenticated at all (no chain, no host).
  bool verify_peer = true;
  // Offer ALPN "http/1.1" (some gateways route on it). The server's choice, if any, is in
  // TlsSession::alpn_protocol(); a server that ignores ALPN is not an error.
  bool alpn_http11 = false;
  bool session_resumption = true;
  // TLS 1.2 is the floor, always. Tls12 here caps the protocol (for a server whose TLS 1.3 is
  // broken, or to test 1.2 resumption); Tls13 lets the peer pick the best it has.
  TlsVersion max_version = TlsVersion::Tls13;
  // OpenSSL cipher lists: TLS 1.2 (SSL_CTX_set_cipher_list) and TLS 1.3
  // (SSL_CTX_set_ciphersuites); empty keeps OpenSSL's default. TLS 1.2 defaults to the ECDHE
  // AEAD suites (what exchanges and their CDNs offer): the CBC suites are the legacy ones, and
  // their HMAC costs OpenSSL 28 allocations per record written and 26 per record read.
  std::string cipher_list_tls12 = "ECDHE+AESGCM:ECDHE+CHACHA20";
  std::string ciphersuites_tls13;
  // Size of each ring of the session's BIO pair (inbox and outbox), allocated in start(). 64 KiB
  // holds nearly four full-size records (16 KiB + overhead) per direction, so one socket read
  // or write of up to 64 KiB moves in one go. At least kMinBioBufferBytes.
  std::size_t bio_buffer_bytes = std::size_t{64} * 1024;

  static constexpr std::size_t kMinBioBufferBytes = 4096;
};

// What the caller does next.
enum class TlsStatus : std::uint8_t {
  Ok,         // done: the bytes reported moved (or the handshake finished / shutdown queued)
  WantRead,   // nothing more until more ciphertext is fed (send pending_ciphertext() first)
  WantWrite,  // the outbox is full: send pending_ciphertext(), then call again
  Closed,     // the peer sent close_notify: no more plaintext will come
  Error,      // fatal; see TlsSession::error() and error_reason(). Close the connection.
};

[[nodiscard]] std::string_view to_string(TlsStatus s) noexcept;

// Why a session failed.
enum class TlsError : std::uint8_t {
  None,
  NotStarted,         // an I/O call before start()
  InvalidHost,        // start(): empty host, a NUL byte, or over 253 bytes
  Resources,          // start(): OpenSSL could not create the SSL object or BIO pair
  CertificateVerify,  // the peer's certificate failed verification (chain, dates, host name)
  Protocol,           // any other TLS failure: bad record, alert from the peer, garbage bytes
  UnexpectedEof,      // feed_eof() came without the peer's close_notify (possible truncation)
  Internal,           // an OpenSSL result this code does not expect
};

[[nodiscard]] std::string_view to_string(TlsError e) noexcept;

struct TlsIoResult {
  std::size_t bytes = 0;  // plaintext read into / taken from the caller's span
  TlsStatus status = TlsStatus::Ok;
};

class TlsSession;

// One per process or connection family (same trust and options): owns the SSL_CTX and the
// client session cache. Must outlive every TlsSession made from it.
//
// The constructor throws std::runtime_error (message: what failed, then OpenSSL's error text)
// when the configuration cannot be applied: an unreadable CA file, an unknown cipher name, a
// buffer size under the minimum. It runs once at start-up, where an exception is the honest
// outcome; nothing on the connection path throws except std::bad_alloc.
class TlsContext {
 public:
  explicit TlsContext(TlsConfig config);
  ~TlsContext();

  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  TlsContext(TlsContext&&) = delete;
  TlsContext& operator=(TlsContext&&) = delete;

  [[nodiscard]] const TlsConfig& config() const noexcept { return config_; }

  // Resumable sessions held (one per host:port at most).
  [[nodiscard]] std::size_t cached_sessions() const noexcept { return sessions_.size(); }
  // Whether a session for host:port is held (and would be offered by the next start()).
  [[nodiscard]] bool has_session(std::string_view host, std::uint16_t port) const;
  void forget_session(std::string_view host, std::uint16_t port);
  void forget_all_sessions() noexcept;

  // The underlying SSL_CTX, for settings this class does not expose. Changing the verify mode
  // or session cache mode breaks the guarantees above.
  [[nodiscard]] ssl_ctx_st* native_handle() const noexcept { return ctx_.get(); }

 private:
  friend class TlsSession;

  struct CtxFree {
    void operator()(ssl_ctx_st* p) const noexcept;
  };
  struct SessionFree {
    void operator()(ssl_session_st* p) const noexcept;
  };
  using SessionPtr = std::unique_ptr<ssl_session_st, SessionFree>;

  // Called by TlsSession: the session to offer for key (nullptr if none or not resumable) and
  // the store from the new-session callback (takes the reference).
  [[nodiscard]] ssl_session_st* session_for(const std::string& key);
  void store_session(const std::string& key, ssl_session_st* session);

  static int on_new_session(ssl_st* ssl, ssl_session_st* session);

  TlsConfig config_;
  std::unique_ptr<ssl_ctx_st, CtxFree> ctx_;
  std::unordered_map<std::string, SessionPtr> sessions_;
};

// One per connection. Not copyable and not movable: OpenSSL's callbacks hold its address.
// start() may be called again for a new connection (the old state is dropped); the context
// must outlive the session.
class TlsSession {
 public:
  explicit TlsSession(TlsContext& context) noexcept;
  ~TlsSession();

  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;
  TlsSession(TlsSession&&) = delete;
  TlsSession& operator=(TlsSession&&) = delete;

  // Begins a connection to host:port: a DNS name ("localhost", "api.coindcx.com") or an IP
  // literal ("127.0.0.1", "::1", "[::1]"). Sets SNI (names only) and the host check, offers the
  // cached session for host:port, and writes the ClientHello into the outbox. Returns WantRead
  // normally, Error (InvalidHost, Resources) otherwise. Allocates (the connection's state).
  TlsStatus start(std::string_view host, std::uint16_t port);

  // Advances the handshake with the ciphertext fed so far: Ok once it is complete (including
  // when it already was), WantRead, WantWrite or Error. read_plaintext() and write_plaintext()
  // call it themselves; it exists for loops that want the handshake's end as an event.
  TlsStatus handshake() noexcept;

  // Ciphertext read from the socket. Returns the bytes taken: fewer than offered when the
  // inbox is full, in which case read_plaintext() frees it and the rest is fed after. 0 before
  // start().
  std::size_t feed_ciphertext(std::span<const std::uint8_t> bytes) noexcept;

  // Zero-copy alternative to feed_ciphertext(): the contiguous free part of the inbox, to
  // recv() into directly, then commit_received(n) with the n bytes received (n <= size of the
  // view; more is clamped). Empty when the inbox is full or before start().
  [[nodiscard]] std::span<std::uint8_t> receive_area() noexcept;
  void commit_received(std::size_t n) noexcept;

  // The socket reported end of stream. Plaintext already fed can still be read; after it,
  // read_plaintext() answers Closed if the peer's close_notify came first, else Error
  // (UnexpectedEof: the data may have been cut by an attacker).
  void feed_eof() noexcept;

  // Decrypts into out, as much as the inbox allows (several records). Ok with bytes > 0, or
  // bytes == 0 and the reason: WantRead (feed more; also during the handshake, which this call
  // drives), WantWrite (the outbox must be drained before a post-handshake reply fits),
  // Closed, Error. Plaintext decrypted before a close or failure is returned first (Ok); the
  // next call reports it. An empty out only drives the handshake.
  TlsIoResult read_plaintext(std::span<std::uint8_t> out) noexcept;

  // Encrypts a prefix of in into the outbox. Ok: all of in was taken. WantWrite: the outbox is
  // full, only `bytes` were taken; send, then call again with the REST, unchanged (OpenSSL may
  // hold a record of it half-written; the buffer itself may move). WantRead: the handshake is
  // not finished, nothing taken. Closed/Error as for reading. Takes only what the outbox can
  // hold whole (records of up to 16 KiB plus their worst-case overhead), so in practice no
  // bytes are ever left inside OpenSSL.
  TlsIoResult write_plaintext(std::span<const std::uint8_t> in) noexcept;

  // Ciphertext to send: a view into the outbox, valid until the next call on this session.
  // Possibly not all of it (the ring wraps): consume, then ask again until empty.
  [[nodiscard]] std::span<const std::uint8_t> pending_ciphertext() noexcept;
  // Releases the first n bytes of pending_ciphertext() (n is clamped to the view's size).
  void consume_ciphertext(std::size_t n) noexcept;
  // All bytes waiting in the outbox, including past the ring's wrap.
  [[nodiscard]] std::size_t pending_ciphertext_bytes() const noexcept;

  // Queues close_notify in the outbox: Ok (send it, then close; the peer's close_notify is not
  // awaited, RFC 8446 §6.1 lets the closer go), WantWrite (outbox full: send, call again), or
  // Error. Before the handshake is done nothing can be sent (OpenSSL refuses) and it answers
  // Ok with an empty outbox: just close the socket. Writing after shutdown() is an Error.
  TlsStatus shutdown() noexcept;

  [[nodiscard]] bool started() const noexcept { return ssl_ != nullptr; }
  [[nodiscard]] bool handshake_done() const noexcept;
  // The handshake resumed a cached session (SSL_session_reused): no certificate was sent.
  [[nodiscard]] bool resumed() const noexcept;
  // "TLSv1.3", "TLSv1.2"; empty before start().
  [[nodiscard]] std::string_view protocol_version() const noexcept;
  // e.g. "TLS_AES_256_GCM_SHA384"; empty before the handshake.
  [[nodiscard]] std::string_view cipher() const noexcept;
  // The ALPN protocol the server chose ("http/1.1"), empty if none.
  [[nodiscard]] std::string_view alpn_protocol() const noexcept;

  [[nodiscard]] TlsError error() const noexcept { return error_; }
  // Empty unless error() != None.
  [[nodiscard]] std::string_view error_reason() const noexcept {
    return {reason_.data(), reason_len_};
  }

  // The underlying SSL object (nullptr before start()), for inspection.
  [[nodiscard]] ssl_st* native_handle() const noexcept { return ssl_; }

 private:
  TlsStatus status_from(int rc) noexcept;  // maps a failed SSL_* call; records errors
  TlsStatus fail(TlsError e, std::string_view reason) noexcept;
  void fail_from_queue(TlsError fallback) noexcept;
  void append_reason(std::string_view text) noexcept;
  void reset() noexcept;

  TlsContext* context_;
  ssl_st* ssl_ = nullptr;
  bio_st* network_ = nullptr;  // our end of the BIO pair; SSL owns the other
  std::string cache_key_;      // "host:port"
  // After a write that OpenSSL left half-done (WantWrite with a record part-written), the
  // length it must be offered again at least (its retry rule); 0 otherwise.
  std::size_t write_retry_len_ = 0;
  bool eof_fed_ = false;
  TlsError error_ = TlsError::None;
  std::size_t reason_len_ = 0;
  std::array<char, 320> reason_{};

  friend class TlsContext;
};

}  // namespace scalper::net
