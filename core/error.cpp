#include "core/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <new>
#include <system_error>

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

bool is_resource_errno(int err) { return err == EAGAIN || err == EMFILE || err == ENFILE || err == ENOMEM; }

int out_of_descriptors() {
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return 0;
  }
  return errno == EMFILE || errno == ENFILE ? errno : 0;
}

Error resource_error(const std::string& what, int err) {
  const char* hint = nullptr;
  switch (err) {
    case EMFILE: hint = "rigctl reached its open-file limit: raise it (ulimit -n) and run again"; break;
    case ENFILE: hint = "the system's open-file table is full: close files elsewhere (or raise fs.file-max) and run again"; break;
    case ENOMEM:
      hint = "the host has no memory to spare for rigctl, or its limit is reached (ulimit -v, its cgroup's memory limit)";
      break;
    default:
      hint = "rigctl reached its process or thread limit: raise it (ulimit -u; its cgroup's pids.max, e.g. systemd's "
             "TasksMax or a container's --pids-limit) and run again";
  }
  return unavailable(what + ": " + std::strerror(err), hint);
}

Error os_error(const std::string& what, int err) {
  return is_resource_errno(err) ? resource_error(what, err) : internal_error(what + ": " + std::strerror(err));
}

Status guarded(const char* where, const std::function<Status()>& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return resource_error(std::string(where), ENOMEM);
  } catch (const std::system_error& e) {
    if ((e.code().category() == std::generic_category() || e.code().category() == std::system_category()) &&
        is_resource_errno(e.code().value()))
      return resource_error(std::string(where), e.code().value());
    return defect_error(std::string(where) + ": unexpected exception: " + e.what());
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
