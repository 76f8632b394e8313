// ZeroMQ CURVE keys for authenticated remote use (docs/protocol.md "Security").
//
// Keys are 40-character Z85 text (ZeroMQ's encoding of 32 bytes). A key pair is two files, as
// `collabgym keygen DIR/NAME` writes them: NAME.key (the public key; give it to the other side)
// and NAME.key_secret (the secret key, mode 0600; keep it). A key file holds the key on a line of
// its own; blank lines and lines starting with '#' are ignored.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace collab::bridge {

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

// Whether this libzmq supports CURVE (zmq_has("curve")).
bool curve_available();
// A new random key pair; throws RemoteError (bridge/protocol.h; code "bad_key", or "no_curve"
// without CURVE) when libzmq lacks CURVE.
CurveKeyPair curve_keypair();
// The public key of a Z85 secret key; throws RemoteError for a malformed key.
std::string curve_public_key(const std::string& secret_z85);
// True for 40 characters of Z85 that decode to 32 bytes.
bool is_z85_key(const std::string& key);
// The key in a key file; throws RemoteError naming the file (never quoting it) when it cannot be
// read or holds no Z85 key.
std::string read_curve_key(const std::string& path);
// Writes `prefix`.key and `prefix`.key_secret (mode 0600) with a new pair; refuses to overwrite
// either unless `force`. Returns the pair. Throws RemoteError naming the file.
CurveKeyPair write_curve_keypair(const std::string& prefix, bool force = false);
// The public keys (32 bytes each, binary) in every *.key file directly in `dir`, with the files
// they came from; throws RemoteError naming a bad file, or when there is none.
struct AllowedKeys {
  std::vector<std::string> keys;   // binary, 32 bytes each
  std::vector<std::string> files;  // one per key
};
AllowedKeys read_allowed_keys(const std::string& dir);

}  // namespace collab::bridge
