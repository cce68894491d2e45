#include "support/catch.hpp"

#include "core/sha256.hpp"

namespace rigtest_core_sha256 {

TEST_CASE("sha256: known vectors", "[core][sha256]") {
  CHECK(rig::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(rig::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256: incremental updates equal one-shot hashing", "[core][sha256]") {
  std::string data(100003, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
  rig::Sha256 h;
  h.update(std::string_view(data).substr(0, 10));
  h.update(data.data() + 10, 65536);
  h.update(std::string_view(data).substr(10 + 65536));
  CHECK(h.hex() == rig::sha256_hex(data));
}

}  // namespace rigtest_core_sha256
