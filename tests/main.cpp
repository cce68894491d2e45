// The Catch2 runner for rigctl_unit; the tests live in */*_test.cpp. An explicit main works with
// Catch2 2 (CATCH_CONFIG_RUNNER) and 3 (Catch::Session from the library) alike.
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
