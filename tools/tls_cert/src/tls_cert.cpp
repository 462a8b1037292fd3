// tls_cert.cpp — self-signed certificate generation with OpenSSL 3 (no deprecated APIs), and
// writing it to disk atomically.
#include "scalper/tls/tls_cert.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace scalper::tls {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1IntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

// Drains this thread's OpenSSL error queue into one message, so the caller sees every reason
// (the outermost error alone is often just "malloc failure" or "ASN1 lib").
[[noreturn]] void throw_openssl(std::string_view what) {
  std::string msg = "generate_self_signed_cert: ";
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
  if (!any) msg += ": (no OpenSSL error reported)";
  throw std::runtime_error(msg);
}

void check(int ok, std::string_view what) {
  if (ok != 1) throw_openssl(what);
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext) throw_openssl(std::string("building extension ") + OBJ_nid2sn(nid) + "=" + value);
  check(X509_add_ext(cert, ext.get(), -1), "adding extension");  // copies ext
}

// RFC 5280 wants a positive serial of at most 20 octets, and CA/B asks for >= 64 random bits so
// that two runs never issue the same issuer+serial. 16 random bytes with the top bit forced on
// make it exactly 128 bits long and never zero.
Asn1IntPtr random_serial() {
  unsigned char bytes[16];
  check(RAND_bytes(bytes, sizeof bytes), "generating serial");
  bytes[0] |= 0x80;
  BignumPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));  // unsigned, so positive
  if (!bn) throw_openssl("serial to BIGNUM");
  Asn1IntPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) throw_openssl("serial to ASN1_INTEGER");
  return serial;
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) throw_openssl("reading PEM from memory BIO");
  return std::string(data, static_cast<std::size_t>(len));
}

[[noreturn]] void throw_sys(const std::string& what, const std::string& path, int err) {
  throw std::runtime_error("write_cert_files: " + what + " '" + path +
                           "': " + std::generic_category().message(err));
}

// A temp file that is closed and removed unless it was renamed into place, so a failure at any
// step leaves no debris behind.
class TempFile {
 public:
  TempFile(const std::filesystem::path& dir, const std::string& name)
      : path_((dir / ("." + name + ".tmp.XXXXXX")).string()) {
    // mkostemp creates the file 0600, so key material is never readable by others, even
    // briefly. O_CLOEXEC: the simulator may spawn children, which must not inherit the fd.
    fd_ = ::mkostemp(path_.data(), O_CLOEXEC);
    if (fd_ < 0) throw_sys("cannot create temporary file in", dir.string(), errno);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) ::unlink(path_.c_str());
  }

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  void close() {
    int rc = ::close(fd_);
    fd_ = -1;  // closed even on error (POSIX leaves it unspecified; Linux always closes)
    if (rc != 0) throw_sys("cannot close", path_, errno);
  }
  void rename_to(const std::string& final_path) {
    if (::rename(path_.c_str(), final_path.c_str()) != 0) {
      throw_sys("cannot rename '" + path_ + "' to", final_path, errno);
    }
    renamed_ = true;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool renamed_ = false;
};

// Temp file in the target directory (rename is only atomic within one filesystem), fsync so a
// crash right after the rename cannot leave an empty file under the final name, then rename over
// the old one. fchmod sets the exact mode regardless of umask. No fsync of the directory: the
// files are regenerated on every start, so losing the rename in a crash is harmless.
void write_file_atomically(const std::filesystem::path& dir, const std::string& name,
                           std::string_view data, mode_t mode) {
  TempFile tmp(dir, name);
  if (::fchmod(tmp.fd(), mode) != 0) throw_sys("cannot set mode of", tmp.path(), errno);
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(tmp.fd(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("cannot write", tmp.path(), errno);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd()) != 0) throw_sys("cannot sync", tmp.path(), errno);
  tmp.close();
  tmp.rename_to((dir / name).string());
}

}  // namespace

SelfSignedCert generate_self_signed_cert(int valid_days) {
  if (valid_days < 1) {
    throw std::runtime_error("generate_self_signed_cert: valid_days must be >= 1, got " +
                             std::to_string(valid_days));
  }
  // Stale errors from earlier unrelated calls on this thread would otherwise end up in our message.
  ERR_clear_error();

  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw_openssl("generating EC P-256 key");

  X509Ptr cert(X509_new());
  if (!cert) throw_openssl("X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3), "setting version");

  Asn1IntPtr serial = random_serial();
  check(X509_set_serialNumber(cert.get(), serial.get()), "setting serial");

  // One clock reading for both bounds, so the lifetime is exactly valid_days + 1h. (Not const:
  // X509_time_adj_ex takes time_t* but only reads it.)
  std::time_t now = std::time(nullptr);
  if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -3600, &now) == nullptr) {
    throw_openssl("setting notBefore");
  }
  if (X509_time_adj_ex(X509_getm_notAfter(cert.get()), valid_days, 0, &now) == nullptr) {
    throw_openssl("setting notAfter: valid_days " + std::to_string(valid_days) +
                  " out of range (past year 9999?)");
  }

  X509NamePtr name(X509_NAME_new());
  if (!name) throw_openssl("X509_NAME_new");
  check(
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("scalper-sim"), -1, -1, 0),
      "setting CN");
  // Self-signed: issuer == subject (both calls copy the name).
  check(X509_set_subject_name(cert.get(), name.get()), "setting subject");
  check(X509_set_issuer_name(cert.get(), name.get()), "setting issuer");
  check(X509_set_pubkey(cert.get(), key.get()), "setting public key");

  // Issuer and subject are the same certificate; no config database.
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509V3_set_ctx_nodb(&ctx);
  // RFC 5280 4.2.1.9: basicConstraints must be critical in CA certificates (strict verifiers
  // check); keyUsage critical for the same reason.
  add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_ext(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  // SKI must precede AKI: "keyid:always" copies the issuer's (our own) SKI. Python 3.13's strict
  // mode rejects certificates without an AKI.
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) throw_openssl("signing certificate");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio) throw_openssl("BIO_new");
  check(PEM_write_bio_X509(cert_bio.get(), cert.get()), "writing certificate PEM");
  // PEM_write_bio_PrivateKey emits unencrypted PKCS#8 ("BEGIN PRIVATE KEY") in OpenSSL 3, which
  // every client library reads, unlike the legacy "BEGIN EC PRIVATE KEY" form.
  check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
        "writing private key PEM");

  return SelfSignedCert{bio_to_string(cert_bio.get()), bio_to_string(key_bio.get())};
}

std::string write_cert_files(const SelfSignedCert& cert, const std::string& dir) {
  if (dir.empty()) throw std::runtime_error("write_cert_files: directory path is empty");
  const std::filesystem::path d(dir);

  std::error_code ec;
  std::filesystem::create_directories(d, ec);
  if (ec) throw_sys("cannot create directory", dir, ec.value());
  // create_directories succeeds silently on some existing non-directories (e.g. a symlink to a
  // file); say so plainly instead of failing later on mkstemp with ENOTDIR.
  if (!std::filesystem::is_directory(d, ec)) throw_sys("cannot use directory", dir, ENOTDIR);

  // Key first: by the time cert.pem (what clients trust) is replaced, its key is already there.
  write_file_atomically(d, "key.pem", cert.key_pem, 0600);
  write_file_atomically(d, "cert.pem", cert.cert_pem, 0644);
  return (d / "cert.pem").string();
}

}  // namespace scalper::tls
