// The two checkout-specific paths the tests need, compiled into this file alone (tests/CMakeLists.txt).
#include <filesystem>

namespace rigtest {

std::filesystem::path test_data_dir() { return std::filesystem::path(RIGCTL_TEST_DATA); }
const char* rigctl_binary() { return RIGCTL_BINARY; }

}  // namespace rigtest
