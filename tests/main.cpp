// The Catch2 runner for rigctl_unit; the tests live in */*_test.cpp.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
