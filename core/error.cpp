#include "core/error.hpp"

#include <exception>
#include <new>

namespace rig {

int exit_code(Category c) {
  switch (c) {
    case Category::Checks: return 1;
    case Category::Usage: return 2;
    case Category::Unavailable: return 3;
    case Category::Internal: return 1;
    case Category::Interrupted: return 130;
    case Category::Defect: return 70;
  }
  return 1;
}

const char* category_name(Category c) {
  switch (c) {
    case Category::Checks: return "checks-failed";
    case Category::Usage: return "usage";
    case Category::Unavailable: return "unavailable";
    case Category::Internal: return "failed";
    case Category::Interrupted: return "interrupted";
    case Category::Defect: return "internal-error";
  }
  return "failed";
}

Status guarded(const char* where, const std::function<Status()>& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return defect_error(std::string(where) + ": out of memory");
  } catch (const std::exception& e) {
    return defect_error(std::string(where) + ": unexpected exception: " + e.what());
  } catch (...) {
    return defect_error(std::string(where) + ": unexpected exception of an unknown type");
  }
}

std::string Error::what() const {
  std::string out;
  for (auto it = context_.rbegin(); it != context_.rend(); ++it) {
    out += *it;
    out += ": ";
  }
  out += message_;
  return out;
}

}  // namespace rig
