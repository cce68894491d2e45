// Catch2 for rigctl's tests, version 2 (Debian 12) or 3 (Debian 13, Ubuntu 24.04): every test includes
// this instead of a Catch2 header, so the suite builds with either. Under 3 it restores the few
// names the tests use from 2: Catch::Contains/StartsWith/EndsWith (string matchers) and Approx.
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>

#include <string>

namespace Catch {
inline Matchers::StringContainsMatcher Contains(const std::string& s, CaseSensitive cs = CaseSensitive::Yes) {
  return Matchers::ContainsSubstring(s, cs);
}
using Matchers::EndsWith;
using Matchers::StartsWith;
}  // namespace Catch
using Catch::Approx;
#define RIGCTL_CATCH_VERSION 3
#else
#include <catch2/catch.hpp>
#define RIGCTL_CATCH_VERSION 2
#endif
