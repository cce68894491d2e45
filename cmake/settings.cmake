# Shared compile settings: every rigctl target links rig_settings instead of repeating flags.
add_library(rig_settings INTERFACE)
target_compile_options(rig_settings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(RIGCTL_WERROR)
  target_compile_options(rig_settings INTERFACE -Werror)
  # GCC 13 and 14 (Ubuntu 24.04, Debian 13) warn about libstdc++'s own std::string copies at -O2
  # ("forming offset [32, 117] is out of the bounds [0, 32]": GCC bugs 105329, 105651, 107852). They
  # stay warnings there; every other warning is still an error.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 13)
    target_compile_options(rig_settings INTERFACE -Wno-error=array-bounds -Wno-error=stringop-overflow
                                                  -Wno-error=stringop-overread -Wno-error=restrict)
  endif()
endif()

# RIGCTL_SANITIZE was a BOOL (ON meant ASan+UBSan): keep old caches and command lines working.
string(TOLOWER "${RIGCTL_SANITIZE}" rig_sanitize)
if(rig_sanitize MATCHES "^(on|yes|true|y|1)$")
  set(rig_sanitize address)
elseif(rig_sanitize MATCHES "^(off|no|false|n|0|none)$")
  set(rig_sanitize "")
endif()
if(NOT rig_sanitize MATCHES "^(|address|thread)$")
  message(FATAL_ERROR "RIGCTL_SANITIZE='${RIGCTL_SANITIZE}': expected \"\", address (ASan+UBSan) or thread (TSan)")
endif()
if(RIGCTL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "RIGCTL_FUZZ=ON needs clang (libFuzzer); this build uses ${CMAKE_CXX_COMPILER_ID} "
                        "${CMAKE_CXX_COMPILER}: configure a new build directory with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(rig_sanitize STREQUAL "thread")
    message(FATAL_ERROR "RIGCTL_FUZZ=ON runs the harnesses under ASan+UBSan: it cannot be combined with "
                        "RIGCTL_SANITIZE=thread (use a separate build directory for TSan)")
  endif()
  set(rig_sanitize address)
endif()

if(rig_sanitize STREQUAL "address")
  set(rig_san_flags -fsanitize=address,undefined)
  # The harnesses get libFuzzer's main at link time (fuzz/CMakeLists.txt); everything else only its
  # coverage instrumentation, so the libraries, rigctl and rigctl_unit link as usual.
  if(RIGCTL_FUZZ)
    set(rig_san_flags -fsanitize=fuzzer-no-link,address,undefined)
  endif()
  # Undefined behaviour is a finding, not a warning to scroll past: stop at the first one.
  target_compile_options(rig_settings INTERFACE ${rig_san_flags} -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(rig_settings INTERFACE ${rig_san_flags})
elseif(rig_sanitize STREQUAL "thread")
  target_compile_options(rig_settings INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(rig_settings INTERFACE -fsanitize=thread)
endif()
target_compile_definitions(rig_settings INTERFACE RIGCTL_VERSION="${PROJECT_VERSION}")
# The source directory is compiled into the one file that looks for shipped recipes
# (cli/recipe_arg.cpp), not into every object: a path on every command line would make each checkout's
# objects differ and defeat ccache across work trees.
