// tls_cert.hpp — a throwaway self-signed TLS certificate, made fresh at simulator start.
//
// The simulator serves HTTPS/WSS on loopback only. Rather than ship a key in the repository, it
// generates one each run and writes the certificate where clients can point at it
// (curl --cacert, Python ssl cafile, Node `ca`, our own client's trust store). The certificate is
// its own trust anchor (CA:TRUE, keyCertSign) and also the server's leaf (serverAuth, SAN for
// localhost / 127.0.0.1 / ::1). It carries subject and authority key identifiers and critical
// basicConstraints/keyUsage so that strict verifiers (Python 3.13's VERIFY_X509_STRICT default)
// accept it too.
//
// Threading: both functions may be called from any thread; they share no state.
#pragma once

#include <string>

namespace scalper::tls {

struct SelfSignedCert {
  std::string cert_pem;  // X.509 v3 certificate, PEM
  std::string key_pem;   // private key, PEM (PKCS#8)
};

// Generates a fresh key (EC P-256) and a self-signed certificate valid from now-1h (slack for
// clients whose clock is slightly behind) until now + valid_days, CN=scalper-sim,
// subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1, basicConstraints CA:TRUE (so it can be used
// directly as a trust anchor with e.g. curl --cacert), keyUsage digitalSignature,keyCertSign,
// extendedKeyUsage serverAuth, random 128-bit serial. Signed with ECDSA-SHA256.
// Throws std::runtime_error with OpenSSL's error text on failure, or when valid_days < 1.
SelfSignedCert generate_self_signed_cert(int valid_days = 30);

// Writes cert.pem (0644) and key.pem (0600) into dir (created if missing, like mkdir -p); writes
// each file atomically (temp file + rename), key first, so a reader never sees a partial file.
// The pair as a whole is not atomic. Returns the path of cert.pem. Throws std::runtime_error with
// a clear message (naming the path and the system error) on failure.
std::string write_cert_files(const SelfSignedCert& cert, const std::string& dir);

}  // namespace scalper::tls
