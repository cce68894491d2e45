// SHA-256 through OpenSSL's EVP interface, incremental so layers are hashed while they stream.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace rig {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex();  // finalises; further updates are invalid

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view data);

}  // namespace rig
