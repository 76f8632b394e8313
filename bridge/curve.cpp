#include "bridge/curve.h"

#include <sys/stat.h>
#include <zmq.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bridge/protocol.h"

namespace collab::bridge {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

bool curve_available() { return zmq_has("curve") != 0; }

bool is_z85_key(const std::string& key) {
  if (key.size() != 40) return false;
  uint8_t out[32];
  return zmq_z85_decode(out, key.c_str()) != nullptr;
}

CurveKeyPair curve_keypair() {
  char pub[41], sec[41];
  if (!curve_available() || zmq_curve_keypair(pub, sec) != 0) {
    throw RemoteError(
        "no_curve",
        "this libzmq has no CURVE support (zmq_has(\"curve\") is false): build it with "
        "libsodium or its own tweetnacl");
  }
  return {pub, sec};
}

std::string curve_public_key(const std::string& secret_z85) {
  if (!is_z85_key(secret_z85))
    throw RemoteError("bad_key", "expected a CURVE secret key: 40 characters of Z85");
  char pub[41];
  if (zmq_curve_public(pub, secret_z85.c_str()) != 0) {
    throw RemoteError("no_curve",
                      "cannot derive a CURVE public key: this libzmq has no CURVE support");
  }
  return pub;
}

std::string read_curve_key(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw RemoteError("bad_key", path + ": cannot read the key file");
  std::string line;
  for (int n = 0; n < 64 && std::getline(in, line); ++n) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (is_z85_key(line)) return line;
    break;
  }
  throw RemoteError("bad_key", path +
                                   ": expected a CURVE key, 40 characters of Z85 on a line of its "
                                   "own (as `collabgym keygen` writes)");
}

CurveKeyPair write_curve_keypair(const std::string& prefix, bool force) {
  namespace fs = std::filesystem;
  const std::string pub_path = prefix + ".key", sec_path = prefix + ".key_secret";
  for (const auto& p : {pub_path, sec_path}) {
    std::error_code ec;
    if (!force && fs::exists(p, ec)) {
      throw RemoteError("bad_key", p + " exists; expected a new name (or --force to replace it)");
    }
  }
  const CurveKeyPair pair = curve_keypair();
  const auto write = [](const std::string& path, const std::string& text, bool secret) {
    const fs::path parent = fs::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
    fs::remove(path, ec);
    {
      std::ofstream out(path, std::ios::trunc);
      if (!out) throw RemoteError("bad_key", path + ": cannot write");
      // Permissions before the secret goes in.
      if (secret) fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
      out << text;
      if (!out) throw RemoteError("bad_key", path + ": cannot write");
    }
  };
  write(pub_path, "# CollabGym CURVE public key (Z85)\n" + pair.public_key + "\n", false);
  write(sec_path, "# CollabGym CURVE secret key (Z85): keep it private\n" + pair.secret_key + "\n",
        true);
  return pair;
}

AllowedKeys read_allowed_keys(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw RemoteError("bad_key", "--curve-allow " + dir +
                                     ": not a folder; expected a folder of client public key "
                                     "files (*.key)");
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".key" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  AllowedKeys out;
  for (const auto& f : files) {
    const std::string z85 = read_curve_key(f.string());
    std::string key(32, '\0');
    zmq_z85_decode(reinterpret_cast<uint8_t*>(key.data()), z85.c_str());
    out.keys.push_back(std::move(key));
    out.files.push_back(f.string());
  }
  if (out.keys.empty()) {
    throw RemoteError("bad_key", "--curve-allow " + dir +
                                     ": no *.key files; expected the public keys of the clients "
                                     "to admit (`collabgym keygen` writes them)");
  }
  return out;
}

}  // namespace collab::bridge
