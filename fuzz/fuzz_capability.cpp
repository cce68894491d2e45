// File capabilities: parse_capability_text() (recipe file_capabilities[].text), the VFS cap v2
// xattr it is stored as, and the reverse used by diagnostics. Properties: text gives caps or a usage
// error; caps -> xattr -> caps and caps -> text -> caps are identities; any 20 bytes decode without
// a crash and re-encode to the same capabilities.
#include "security/capability.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

bool same(const rig::FileCaps& a, const rig::FileCaps& b) {
  return a.permitted == b.permitted && a.inheritable == b.inheritable && a.effective == b.effective;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto raw = rig::decode_vfs_cap_xattr(text);
  if (raw) {
    auto again = rig::decode_vfs_cap_xattr(rig::vfs_cap_xattr(*raw));
    if (!again || !same(*raw, *again)) rig::fuzz::finding("decode(encode(decode(x))) != decode(x)");
    (void)rig::capability_text(*raw);
  }
  auto caps = rig::parse_capability_text(text);
  if (!caps) {
    rig::fuzz::expect_category(caps.error(), "parse_capability_text");
    return 0;
  }
  auto x = rig::vfs_cap_xattr(*caps);
  if (x.size() != 20) rig::fuzz::finding("vfs_cap_xattr is not 20 bytes");
  auto back = rig::decode_vfs_cap_xattr(x);
  if (!back || !same(*back, *caps)) rig::fuzz::finding("xattr round trip changed '" + text + "'");
  auto t = rig::capability_text(*caps);
  auto reparsed = rig::parse_capability_text(t);
  if (!reparsed || !same(*reparsed, *caps))
    rig::fuzz::finding("text round trip: '" + text + "' -> '" + t + "' does not parse to the same capabilities");
  return 0;
}
