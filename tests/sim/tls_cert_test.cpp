// The simulator's self-signed certificate: its fields and extensions, chain verification with
// itself as the only trust anchor (host/IP checks, strict mode, validity window), key/cert
// pairing, freshness per call, the files written to disk (modes, content, atomic replacement,
// errors), and real TLS 1.2/1.3 handshakes between an OpenSSL server and a verifying client.
#include "scalper/tls/tls_cert.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

using scalper::tls::generate_self_signed_cert;
using scalper::tls::SelfSignedCert;
using scalper::tls::write_cert_files;
namespace fs = std::filesystem;

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
void ossl_free(char* p) { OPENSSL_free(p); }  // OPENSSL_free is a macro
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using GenNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL_free>>;
using OsslStrPtr = std::unique_ptr<char, Deleter<ossl_free>>;

// Shared by the read-only tests: no need to generate a key for each.
const SelfSignedCert& shared_cert() {
  static const SelfSignedCert cert = generate_self_signed_cert();
  return cert;
}

X509Ptr parse_cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PkeyPtr parse_key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string serial_hex(const X509* cert) {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  OsslStrPtr hex(BN_bn2hex(bn.get()));
  return hex.get();
}

// Seconds from `now` to `t` (negative: in the past).
long seconds_from(std::time_t now, const ASN1_TIME* t) {
  Asn1TimePtr ref(ASN1_TIME_set(nullptr, now));
  int days = 0, secs = 0;
  EXPECT_EQ(ASN1_TIME_diff(&days, &secs, ref.get(), t), 1);
  return days * 86400L + secs;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned file_mode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

struct VerifyOptions {
  X509* anchor = nullptr;  // the only trusted certificate; nullptr: trust nothing
  const char* host = nullptr;
  const char* ip = nullptr;
  bool strict = false;
  std::time_t at = 0;  // 0: now
};

// X509_verify_cert with `leaf` as the certificate to verify, checked for TLS-server use.
// Returns the X509_V_* result.
int verify(X509* leaf, const VerifyOptions& o) {
  StorePtr store(X509_STORE_new());
  if (o.anchor != nullptr) {
    EXPECT_EQ(X509_STORE_add_cert(store.get(), o.anchor), 1);
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  EXPECT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr), 1);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  EXPECT_EQ(X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER), 1);
  if (o.host != nullptr) {
    EXPECT_EQ(X509_VERIFY_PARAM_set1_host(param, o.host, 0), 1);
  }
  if (o.ip != nullptr) {
    EXPECT_EQ(X509_VERIFY_PARAM_set1_ip_asc(param, o.ip), 1);
  }
  if (o.strict) {
    EXPECT_EQ(X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT), 1);
  }
  if (o.at != 0) X509_VERIFY_PARAM_set_time(param, o.at);
  const int ok = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  EXPECT_EQ(ok == 1, err == X509_V_OK) << X509_verify_cert_error_string(err);
  ERR_clear_error();
  return err;
}

// A fresh directory under the test temp dir, removed with everything in it afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = ::testing::TempDir() + "tls_cert_test.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::set<std::string> list_dir(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

// ---------------------------------------------------------------------------------------------
// The certificate itself

TEST(TlsCert, PemsParseBackAsX509AndPkcs8) {
  const SelfSignedCert& c = shared_cert();
  EXPECT_TRUE(c.cert_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
  EXPECT_TRUE(c.cert_pem.ends_with("-----END CERTIFICATE-----\n"));
  // PKCS#8, unencrypted: neither the legacy "BEGIN EC PRIVATE KEY" nor "ENCRYPTED PRIVATE KEY".
  EXPECT_TRUE(c.key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(c.key_pem.ends_with("-----END PRIVATE KEY-----\n"));

  X509Ptr cert = parse_cert(c.cert_pem);
  ASSERT_NE(cert, nullptr);
  PkeyPtr key = parse_key(c.key_pem);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  char group[64] = {};
  ASSERT_EQ(EVP_PKEY_get_group_name(key.get(), group, sizeof group, nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");  // P-256
}

TEST(TlsCert, FieldsAndExtensions) {
  const std::time_t now = std::time(nullptr);
  X509Ptr cert = parse_cert(generate_self_signed_cert(7).cert_pem);
  ASSERT_NE(cert, nullptr);

  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);

  X509_NAME* subject = X509_get_subject_name(cert.get());
  char cn[64] = {};
  ASSERT_GT(X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof cn), 0);
  EXPECT_STREQ(cn, "scalper-sim");
  EXPECT_EQ(X509_NAME_entry_count(subject), 1);
  EXPECT_EQ(X509_NAME_cmp(subject, X509_get_issuer_name(cert.get())), 0);

  // Serial: positive, exactly 128 bits.
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  ASSERT_NE(serial, nullptr);
  EXPECT_FALSE(BN_is_negative(serial.get()));
  EXPECT_EQ(BN_num_bits(serial.get()), 128);

  // Validity: now-1h .. now+7d, with a few seconds of slack for the time between the calls.
  const long not_before = seconds_from(now, X509_get0_notBefore(cert.get()));
  const long not_after = seconds_from(now, X509_get0_notAfter(cert.get()));
  EXPECT_GE(not_before, -3600 - 5);
  EXPECT_LE(not_before, -3600 + 5);
  EXPECT_GE(not_after, 7 * 86400L - 5);
  EXPECT_LE(not_after, 7 * 86400L + 5);

  // Self-signed, and the signature verifies with its own key.
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
  EXPECT_EQ(X509_check_issued(cert.get(), cert.get()), X509_V_OK);
  EXPECT_EQ(X509_self_signed(cert.get(), 1), 1);

  // Extensions (X509_get_extension_flags parses and caches them).
  const std::uint32_t flags = X509_get_extension_flags(cert.get());
  EXPECT_NE(flags & EXFLAG_CA, 0u);
  EXPECT_EQ(flags & EXFLAG_INVALID, 0u);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_get_key_usage(cert.get()),
            static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_CERT_SIGN));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<std::uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_CLIENT, 0), 0);  // serverAuth only

  // basicConstraints and keyUsage are critical (RFC 5280 for CA certificates).
  for (int nid : {NID_basic_constraints, NID_key_usage}) {
    const int loc = X509_get_ext_by_NID(cert.get(), nid, -1);
    ASSERT_GE(loc, 0) << OBJ_nid2sn(nid);
    EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), loc)), 1) << OBJ_nid2sn(nid);
  }

  // SKI present and the AKI names it (strict verifiers such as Python 3.13 require the AKI).
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert.get());
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert.get());
  ASSERT_NE(ski, nullptr);
  ASSERT_NE(aki, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(ski, aki), 0);

  // subjectAltName: exactly DNS:localhost, IP:127.0.0.1, IP:::1.
  GenNamesPtr sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  ASSERT_NE(sans, nullptr);
  std::set<std::string> dns;
  std::set<std::string> ips;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
    const ASN1_STRING* s = gn->type == GEN_DNS ? gn->d.dNSName : gn->d.iPAddress;
    std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                      static_cast<std::size_t>(ASN1_STRING_length(s)));
    if (gn->type == GEN_DNS) {
      dns.insert(value);
    } else if (gn->type == GEN_IPADD) {
      ips.insert(value);
    } else {
      ADD_FAILURE() << "unexpected SAN type " << gn->type;
    }
  }
  EXPECT_EQ(sk_GENERAL_NAME_num(sans.get()), 3);
  EXPECT_EQ(dns, std::set<std::string>{"localhost"});
  const std::string v4("\x7f\x00\x00\x01", 4);
  std::string v6(16, '\0');
  v6[15] = '\x01';
  EXPECT_EQ(ips, (std::set<std::string>{v4, v6}));
}

TEST(TlsCert, VerifiesAgainstItselfAsTrustAnchor) {
  X509Ptr cert = parse_cert(shared_cert().cert_pem);
  ASSERT_NE(cert, nullptr);
  X509* c = cert.get();

  EXPECT_EQ(verify(c, {.anchor = c}), X509_V_OK);
  EXPECT_EQ(verify(c, {.anchor = c, .host = "localhost"}), X509_V_OK);
  EXPECT_EQ(verify(c, {.anchor = c, .ip = "127.0.0.1"}), X509_V_OK);
  EXPECT_EQ(verify(c, {.anchor = c, .ip = "::1"}), X509_V_OK);
  // What Python 3.13's default context asks for.
  EXPECT_EQ(verify(c, {.anchor = c, .host = "localhost", .strict = true}), X509_V_OK);

  EXPECT_EQ(verify(c, {.anchor = c, .host = "example.com"}), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(c, {.anchor = c, .host = "scalper-sim"}), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(c, {.anchor = c, .ip = "10.0.0.1"}), X509_V_ERR_IP_ADDRESS_MISMATCH);
  EXPECT_EQ(verify(c, {.anchor = c, .ip = "::2"}), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST(TlsCert, NotTrustedWithoutItselfAsAnchor) {
  X509Ptr cert = parse_cert(shared_cert().cert_pem);
  X509Ptr other = parse_cert(generate_self_signed_cert().cert_pem);
  ASSERT_NE(cert, nullptr);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(verify(cert.get(), {.host = "localhost"}), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  // Trusting an earlier run's certificate (same subject) does not trust this one.
  EXPECT_EQ(verify(cert.get(), {.anchor = other.get(), .host = "localhost"}),
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

TEST(TlsCert, ValidityWindowIsEnforced) {
  const std::time_t now = std::time(nullptr);
  X509Ptr cert = parse_cert(generate_self_signed_cert(2).cert_pem);
  ASSERT_NE(cert, nullptr);
  X509* c = cert.get();
  EXPECT_EQ(verify(c, {.anchor = c, .at = now - 1800}), X509_V_OK);  // within the 1h backdate
  EXPECT_EQ(verify(c, {.anchor = c, .at = now + 2 * 86400 - 60}), X509_V_OK);
  EXPECT_EQ(verify(c, {.anchor = c, .at = now - 2 * 3600}), X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(verify(c, {.anchor = c, .at = now + 2 * 86400 + 60}), X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST(TlsCert, KeyMatchesCertificate) {
  const SelfSignedCert& a = shared_cert();
  const SelfSignedCert b = generate_self_signed_cert();
  X509Ptr cert_a = parse_cert(a.cert_pem);
  PkeyPtr key_a = parse_key(a.key_pem);
  PkeyPtr key_b = parse_key(b.key_pem);
  ASSERT_TRUE(cert_a && key_a && key_b);
  EXPECT_EQ(X509_check_private_key(cert_a.get(), key_a.get()), 1);
  EXPECT_EQ(X509_check_private_key(cert_a.get(), key_b.get()), 0);
  ERR_clear_error();
}

TEST(TlsCert, EachCallIsFresh) {
  const SelfSignedCert a = generate_self_signed_cert();
  const SelfSignedCert b = generate_self_signed_cert();
  EXPECT_NE(a.key_pem, b.key_pem);
  EXPECT_NE(a.cert_pem, b.cert_pem);
  X509Ptr ca = parse_cert(a.cert_pem);
  X509Ptr cb = parse_cert(b.cert_pem);
  ASSERT_TRUE(ca && cb);
  EXPECT_NE(serial_hex(ca.get()), serial_hex(cb.get()));
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca.get()), X509_get0_serialNumber(cb.get())),
            0);
  EXPECT_NE(EVP_PKEY_eq(X509_get0_pubkey(ca.get()), X509_get0_pubkey(cb.get())), 1);
  ERR_clear_error();
}

TEST(TlsCert, RejectsNonPositiveValidity) {
  for (int days : {0, -1}) {
    try {
      generate_self_signed_cert(days);
      ADD_FAILURE() << "no exception for valid_days " << days;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("valid_days"), std::string::npos) << e.what();
    }
  }
  // The lower bound is inclusive.
  X509Ptr one_day = parse_cert(generate_self_signed_cert(1).cert_pem);
  EXPECT_NE(one_day, nullptr);
}

// ---------------------------------------------------------------------------------------------
// Files on disk

TEST(TlsCert, WriteCertFilesCreatesDirsWithModesAndContent) {
  ScratchDir scratch;
  const fs::path dir = scratch.path() / "a" / "b" / "c";  // missing: created like mkdir -p
  const SelfSignedCert& c = shared_cert();

  // A restrictive umask must not change the modes: they are set explicitly.
  const mode_t old_umask = ::umask(077);
  std::string cert_path;
  EXPECT_NO_THROW(cert_path = write_cert_files(c, dir.string()));
  ::umask(old_umask);

  EXPECT_EQ(cert_path, (dir / "cert.pem").string());
  EXPECT_EQ(file_mode(dir / "cert.pem"), 0644u);
  EXPECT_EQ(file_mode(dir / "key.pem"), 0600u);
  EXPECT_EQ(read_file(dir / "cert.pem"), c.cert_pem);
  EXPECT_EQ(read_file(dir / "key.pem"), c.key_pem);
  // No temp files left behind.
  EXPECT_EQ(list_dir(dir), (std::set<std::string>{"cert.pem", "key.pem"}));

  X509Ptr cert = parse_cert(read_file(cert_path));
  PkeyPtr key = parse_key(read_file(dir / "key.pem"));
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
}

TEST(TlsCert, WriteCertFilesReplacesExistingFilesAtomically) {
  ScratchDir scratch;
  const fs::path& dir = scratch.path();
  { std::ofstream(dir / "cert.pem") << "old cert"; }
  { std::ofstream(dir / "key.pem") << "old key"; }
  fs::permissions(dir / "key.pem", fs::perms(0644));

  // A reader that opened the old file keeps seeing the old, complete content: the new file is
  // renamed over it, never truncated and rewritten in place.
  std::ifstream old_reader(dir / "cert.pem", std::ios::binary);
  struct stat before {};
  ASSERT_EQ(::stat((dir / "cert.pem").c_str(), &before), 0);

  const SelfSignedCert c = generate_self_signed_cert();
  write_cert_files(c, dir.string());

  struct stat after {};
  ASSERT_EQ(::stat((dir / "cert.pem").c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(old_reader), {}), "old cert");
  EXPECT_EQ(read_file(dir / "cert.pem"), c.cert_pem);
  EXPECT_EQ(read_file(dir / "key.pem"), c.key_pem);
  EXPECT_EQ(file_mode(dir / "key.pem"), 0600u);  // tightened, not inherited from the old file
  EXPECT_EQ(list_dir(dir), (std::set<std::string>{"cert.pem", "key.pem"}));
}

TEST(TlsCert, WriteCertFilesFailsClearlyUnderRegularFile) {
  ScratchDir scratch;
  const fs::path file = scratch.path() / "plain";
  { std::ofstream(file) << "x"; }

  for (const fs::path& dir : {file / "sub", file}) {
    SCOPED_TRACE(dir.string());
    try {
      write_cert_files(shared_cert(), dir.string());
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("write_cert_files"), std::string::npos) << msg;
      EXPECT_NE(msg.find(dir.string()), std::string::npos) << msg;
      EXPECT_NE(msg.find("ot a directory"), std::string::npos) << msg;
    }
  }
  EXPECT_EQ(read_file(file), "x");
  EXPECT_EQ(list_dir(scratch.path()), std::set<std::string>{"plain"});

  EXPECT_THROW(write_cert_files(shared_cert(), ""), std::runtime_error);
}

TEST(TlsCert, WriteCertFilesFailsClearlyInReadOnlyDir) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  ScratchDir scratch;
  const fs::path dir = scratch.path() / "ro";
  fs::create_directory(dir);
  fs::permissions(dir, fs::perms(0500));
  try {
    write_cert_files(shared_cert(), dir.string());
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(dir.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
  }
  fs::permissions(dir, fs::perms(0700));
  EXPECT_TRUE(list_dir(dir).empty());
}

// ---------------------------------------------------------------------------------------------
// Real TLS handshakes over a socketpair

std::string drain_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += buf;
    out += "; ";
  }
  return out;
}

// Reads exactly n bytes (SSL_read may return fewer).
bool ssl_read_exact(SSL* ssl, std::string& out, std::size_t n) {
  out.assign(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    std::size_t r = 0;
    if (SSL_read_ex(ssl, out.data() + got, n - got, &r) != 1) return false;
    got += r;
  }
  return true;
}

struct Peer {
  const char* host = "localhost";  // DNS name the client checks
  const char* ip = nullptr;        // instead: IP address the client checks
  bool trust = true;               // client trusts the served certificate
};

struct HandshakeResult {
  bool server_ok = false;
  std::string server_got;
  std::string server_error;
  bool client_ok = false;
  long client_verify = -1;
  bool client_saw_served_cert = false;
  std::string client_got;
  std::string client_error;
};

HandshakeResult handshake(const SelfSignedCert& served, int version, const Peer& peer) {
  // A peer that gives up closes its end; the other side must get EPIPE, not die of SIGPIPE.
  static const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);
  (void)sigpipe_ignored;

  HandshakeResult r;
  X509Ptr cert = parse_cert(served.cert_pem);
  PkeyPtr key = parse_key(served.key_pem);
  if (!cert || !key) {
    r.client_error = "PEM parse failed";
    return r;
  }

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    r.client_error = "socketpair failed";
    return r;
  }
  // Bounded: a stuck peer makes reads/writes fail after 10 s instead of hanging the test.
  const timeval timeout{10, 0};
  for (int fd : fds) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  }

  SslCtxPtr sctx(SSL_CTX_new(TLS_server_method()));
  SslCtxPtr cctx(SSL_CTX_new(TLS_client_method()));
  for (SSL_CTX* ctx : {sctx.get(), cctx.get()}) {
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
  }
  const bool server_setup = SSL_CTX_use_certificate(sctx.get(), cert.get()) == 1 &&
                            SSL_CTX_use_PrivateKey(sctx.get(), key.get()) == 1 &&
                            SSL_CTX_check_private_key(sctx.get()) == 1;
  SSL_CTX_set_verify(cctx.get(), SSL_VERIFY_PEER, nullptr);
  if (peer.trust) X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx.get()), cert.get());

  std::thread server([&] {
    SslPtr ssl(SSL_new(sctx.get()));
    if (server_setup && ssl && SSL_set_fd(ssl.get(), fds[0]) == 1 && SSL_accept(ssl.get()) == 1 &&
        ssl_read_exact(ssl.get(), r.server_got, 4) && SSL_write(ssl.get(), "pong", 4) == 4) {
      r.server_ok = true;
      SSL_shutdown(ssl.get());
    }
    r.server_error = drain_errors();  // the error queue is per thread
  });

  {
    SslPtr ssl(SSL_new(cctx.get()));
    bool ok = ssl != nullptr && SSL_set_fd(ssl.get(), fds[1]) == 1;
    if (ok && peer.ip != nullptr) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), peer.ip) == 1;
    } else if (ok) {
      ok = SSL_set1_host(ssl.get(), peer.host) == 1 &&
           // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
           SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                    const_cast<char*>(peer.host)) == 1;
    }
    if (ok && SSL_connect(ssl.get()) == 1) {
      X509Ptr seen(SSL_get1_peer_certificate(ssl.get()));
      r.client_saw_served_cert = seen && X509_cmp(seen.get(), cert.get()) == 0;
      r.client_ok =
          SSL_write(ssl.get(), "ping", 4) == 4 && ssl_read_exact(ssl.get(), r.client_got, 4);
    }
    if (ssl) r.client_verify = SSL_get_verify_result(ssl.get());
    r.client_error = drain_errors();
  }
  // Unblocks the server if it is still waiting on us, then wait for it.
  ::shutdown(fds[1], SHUT_RDWR);
  ::close(fds[1]);
  server.join();
  ::close(fds[0]);
  return r;
}

TEST(TlsCert, TlsHandshakeSucceedsWithCertAsTrustAnchor) {
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    for (const Peer& peer : {Peer{.host = "localhost"}, Peer{.ip = "127.0.0.1"}}) {
      SCOPED_TRACE(testing::Message() << "version 0x" << std::hex << version << std::dec << " peer "
                                      << (peer.ip ? peer.ip : peer.host));
      const HandshakeResult r = handshake(shared_cert(), version, peer);
      EXPECT_TRUE(r.client_ok) << r.client_error;
      EXPECT_TRUE(r.server_ok) << r.server_error;
      EXPECT_EQ(r.client_verify, X509_V_OK) << X509_verify_cert_error_string(r.client_verify);
      EXPECT_TRUE(r.client_saw_served_cert);
      EXPECT_EQ(r.server_got, "ping");
      EXPECT_EQ(r.client_got, "pong");
    }
  }
}

TEST(TlsCert, TlsHandshakeFailsForWrongHostOrUntrustedCert) {
  {
    const HandshakeResult r = handshake(shared_cert(), TLS1_3_VERSION, {.host = "example.com"});
    EXPECT_FALSE(r.client_ok);
    EXPECT_FALSE(r.server_ok);
    EXPECT_EQ(r.client_verify, X509_V_ERR_HOSTNAME_MISMATCH);
  }
  {
    const HandshakeResult r = handshake(shared_cert(), TLS1_3_VERSION, {.trust = false});
    EXPECT_FALSE(r.client_ok);
    EXPECT_FALSE(r.server_ok);
    EXPECT_EQ(r.client_verify, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  }
}

}  // namespace
