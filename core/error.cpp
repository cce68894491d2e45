#include "core/error.hpp"

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
