#include "support/catch.hpp"

#include "core/error.hpp"

namespace rigtest_core_error {

using rig::Category;

TEST_CASE("error: what() renders context outermost first", "[core][error]") {
  rig::Error e = rig::usage_error("msg");
  e.add_context("b").add_context("a");
  CHECK(e.what() == "a: b: msg");
  CHECK(e.message() == "msg");
  CHECK(e.context() == std::vector<std::string>{"b", "a"});
}

TEST_CASE("error: what() without context is the message alone", "[core][error]") {
  CHECK(rig::internal_error("boom").what() == "boom");
}

TEST_CASE("error: Result::context adds context only to errors", "[core][error]") {
  auto f = [](bool fail) -> rig::Result<int> {
    if (fail) return rig::usage_error("bad value", "try another");
    return 7;
  };
  auto bad = f(true).context("inner").context("outer");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().what() == "outer: inner: bad value");
  CHECK(bad.error().hint() == "try another");
  CHECK(bad.error().category() == Category::Usage);

  auto good = f(false).context("ignored");
  REQUIRE(good.ok());
  CHECK(*good == 7);
}

TEST_CASE("error: RIG_TRY and RIG_CHECK propagate the error unchanged", "[core][error]") {
  auto inner = [](bool fail) -> rig::Result<int> {
    if (fail) return rig::unavailable("no engine");
    return 41;
  };
  auto outer = [&](bool fail) -> rig::Result<int> {
    RIG_TRY(int v, inner(fail));
    return v + 1;
  };
  auto check = [&](bool fail) -> rig::Status {
    RIG_CHECK(inner(fail));
    return rig::ok();
  };
  CHECK(outer(false).value() == 42);
  REQUIRE_FALSE(outer(true).ok());
  CHECK(outer(true).error().category() == Category::Unavailable);
  CHECK(outer(true).error().what() == "no engine");
  CHECK(check(false).ok());
  REQUIRE_FALSE(check(true).ok());
  CHECK(check(true).error().message() == "no engine");
}

TEST_CASE("error: exit codes per category", "[core][error]") {
  CHECK(rig::exit_code(Category::Checks) == 1);
  CHECK(rig::exit_code(Category::Usage) == 2);
  CHECK(rig::exit_code(Category::Unavailable) == 3);
  CHECK(rig::exit_code(Category::Internal) == 1);
  CHECK(rig::exit_code(Category::Interrupted) == 130);
}

TEST_CASE("error: category names", "[core][error]") {
  CHECK(std::string(rig::category_name(Category::Checks)) == "checks-failed");
  CHECK(std::string(rig::category_name(Category::Usage)) == "usage");
  CHECK(std::string(rig::category_name(Category::Unavailable)) == "unavailable");
  CHECK(std::string(rig::category_name(Category::Internal)) == "failed");
  CHECK(std::string(rig::category_name(Category::Interrupted)) == "interrupted");
}

TEST_CASE("error: helper constructors set category and hint", "[core][error]") {
  CHECK(rig::usage_error("u").category() == Category::Usage);
  CHECK(rig::unavailable("x", "h").category() == Category::Unavailable);
  CHECK(rig::unavailable("x", "h").hint() == "h");
  CHECK(rig::internal_error("i").category() == Category::Internal);
  CHECK(rig::interrupted_error().category() == Category::Interrupted);
  CHECK(rig::interrupted_error().what() == "interrupted");
  CHECK(rig::exit_code(rig::interrupted_error().category()) == 130);
  CHECK(rig::ok().ok());
}

}  // namespace rigtest_core_error
