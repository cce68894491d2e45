# Shared compile settings: every rigctl target links rig_settings instead of repeating flags.
add_library(rig_settings INTERFACE)
target_compile_options(rig_settings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(RIGCTL_WERROR)
  target_compile_options(rig_settings INTERFACE -Werror)
endif()
if(RIGCTL_SANITIZE)
  target_compile_options(rig_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(rig_settings INTERFACE -fsanitize=address,undefined)
endif()
target_compile_definitions(rig_settings INTERFACE RIGCTL_VERSION="${PROJECT_VERSION}")
# The source directory is compiled into the one file that looks for shipped recipes
# (cli/recipe_arg.cpp), not into every object: a path on every command line would make each checkout's
# objects differ and defeat ccache across work trees.
