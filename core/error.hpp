// Error policy (see docs/errors.md): lower layers return Result<T>; an Error carries a category
// (which fixes the exit code) and a chain of context added as it rises; only cli/app.cpp prints it.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace rig {

enum class Category {
  Checks,       // a check or verification failed: exit 1
  Usage,        // bad command line or recipe: exit 2
  Unavailable,  // engine, tool or host prerequisite missing: exit 3
  Internal,     // an operation failed for another reason (I/O, subprocess): exit 1
  Interrupted,  // SIGINT/SIGTERM: exit 130
  Defect,       // a bug in rigctl caught at a boundary (an escaped exception): exit 70 (EX_SOFTWARE)
};

int exit_code(Category c);
const char* category_name(Category c);

class Error {
 public:
  Error(Category category, std::string message, std::string hint = {})
      : category_(category), message_(std::move(message)), hint_(std::move(hint)) {}

  Category category() const { return category_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  const std::vector<std::string>& context() const { return context_; }

  // Context is pushed innermost-first; what() renders outermost-first: "load recipe 'x': packages[3]: ...".
  Error& add_context(std::string c) {
    context_.push_back(std::move(c));
    return *this;
  }
  std::string what() const;

 private:
  Category category_;
  std::string message_;
  std::string hint_;
  std::vector<std::string> context_;
};

inline Error usage_error(std::string m, std::string hint = {}) { return {Category::Usage, std::move(m), std::move(hint)}; }
inline Error unavailable(std::string m, std::string hint = {}) { return {Category::Unavailable, std::move(m), std::move(hint)}; }
inline Error internal_error(std::string m, std::string hint = {}) { return {Category::Internal, std::move(m), std::move(hint)}; }
inline Error interrupted_error() { return {Category::Interrupted, "interrupted"}; }
// The host refused rigctl a resource: a thread or process (EAGAIN: ulimit -u, a pids limit), a file
// descriptor (EMFILE, ENFILE) or memory (ENOMEM). Unavailable (exit 3), like an engine that is not
// there: the input was fine and the fix is on the host; the hint names the limit to raise.
Error resource_error(const std::string& what, int err);
// EAGAIN, EMFILE, ENFILE, ENOMEM: what resource_error reports.
bool is_resource_errno(int err);
// A system call failed with `err`: resource_error when the host refused a resource, else an Internal
// error ("WHAT: strerror").
Error os_error(const std::string& what, int err);
// EMFILE or ENFILE when rigctl cannot open one more descriptor now, else 0. Asked after a failure whose
// own report hides the cause (libcurl's "Couldn't connect", a port found "in use" because its probe
// socket could not be made), so the error names the limit instead of blaming the engine or the port.
int out_of_descriptors();

inline Error defect_error(std::string m) {
  return {Category::Defect, std::move(m), "this is a bug in rigctl: please report it with the command line and its input"};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  Result&& context(std::string c) && {
    if (!ok()) std::get<1>(v_).add_context(std::move(c));
    return std::move(*this);
  }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok() { return Ok{}; }

// Runs f and turns an exception escaping it into a Defect error naming `where` (std::bad_alloc and a
// std::system_error for a refused resource into resource_error: the host's limit, not a bug). Used at the top of
// main and of every worker thread: stack unwinding runs the RAII owners' cleanup (rigs, volumes,
// staging dirs) on the way, and no input can reach std::terminate.
Status guarded(const char* where, const std::function<Status()>& f);

}  // namespace rig

// Propagate an error from a Result-returning expression; binds the value otherwise.
#define RIG_CAT_(a, b) a##b
#define RIG_CAT(a, b) RIG_CAT_(a, b)
#define RIG_TRY_IMPL(tmp, decl, expr)            \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return std::move(tmp).error();  \
  decl = std::move(tmp).value()
#define RIG_TRY(decl, expr) RIG_TRY_IMPL(RIG_CAT(rig_try_, __LINE__), decl, expr)
#define RIG_CHECK(expr)                                              \
  do {                                                               \
    auto rig_chk_ = (expr);                                          \
    if (!rig_chk_.ok()) return std::move(rig_chk_).error();          \
  } while (0)
