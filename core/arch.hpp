// Architecture names. Recipes, image tags and apt speak Debian's (amd64, arm64); the kernel's
// `uname -m` (x86_64, aarch64), qemu's binaries and binfmt handlers (qemu-aarch64) and the engines'
// /version (Go's GOARCH: amd64, 386) each spell them their own way. One table keeps them agreeing.
#pragma once

#include <string>

namespace rig {

// A Debian architecture rigctl knows how to build and check.
bool is_known_arch(const std::string& debian_arch);
// This machine's architecture, Debian-spelled.
std::string host_arch();
// The Debian name of an architecture however it is spelled (Debian, uname, GOARCH or qemu);
// unknown spellings come back unchanged.
std::string debian_arch_of(const std::string& any_spelling);
// qemu's name for a Debian architecture (qemu-user binaries, binfmt handlers, qemu-system-*).
std::string qemu_arch(const std::string& debian_arch);
// What `uname -m` prints inside a container of that architecture.
std::string uname_machine(const std::string& debian_arch);

}  // namespace rig
