// `rigctl doctor`: host preflight. Each item is ok, warn or fail with the command that fixes it;
// doctor never changes the host itself (the fixes need root and judgement: chmod of a device node,
// sysctls, kernel parameters). Every file is read under a root prefix so unit tests run the checks
// against a fake /proc, /sys, /dev and /etc tree; the engine, the PATH lookup and the free-space
// probe are injected for the same reason.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/json_reader.hpp"
#include "engine/engine.hpp"

namespace rig {

enum class CheckStatus { Ok, Warn, Fail };
const char* check_status_name(CheckStatus s);  // "ok" / "warn" / "fail"

struct DoctorItem {
  std::string item;
  CheckStatus status = CheckStatus::Ok;
  std::string detail;
  std::string fix;  // empty when nothing needs doing
};

struct DoctorHost {
  std::filesystem::path root;                     // prefix for /proc, /sys, /dev, /etc ("" = the real host)
  std::function<Result<EngineVersion>()> engine;  // connect and ask for the version
  // The optional outer runtimes: Incus's daemon (null: not asked), and whether its client exists.
  std::function<Result<EngineVersion>()> incus;
  uid_t uid = 0;                                  // the invoking user: builds run as them
  std::string user;                               // their name, for /etc/subuid lookups
  std::string host_arch;                          // Debian name: amd64, arm64, ...
  std::function<std::optional<std::filesystem::path>(const std::string&)> which;  // PATH lookup
  std::filesystem::path cache_dir;  // rigctl's cache (not under root: it is where builds write)
  std::function<std::optional<uint64_t>(const std::filesystem::path&)> free_bytes;  // statvfs
};

inline constexpr uint64_t kMinFreeBytes = 5ULL * 1000 * 1000 * 1000;  // a base + image build with room

// The real host: geteuid(), the passwd name, uname's machine, PATH, statvfs, cache_root().
DoctorHost real_doctor_host(std::function<Result<EngineVersion>()> engine, std::filesystem::path root = {});

std::vector<DoctorItem> run_doctor(const DoctorHost& host);

std::string doctor_table(const std::vector<DoctorItem>& items);
json doctor_json(const std::vector<DoctorItem>& items);

}  // namespace rig
