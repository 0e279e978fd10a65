# Warning flags, -Werror and sanitizer options applied to every rlisim target.
function(rlisim_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -pedantic)
  if(RLISIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(RLISIM_SANITIZE)
  add_compile_options(-fsanitize=${RLISIM_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${RLISIM_SANITIZE})
  # GCC 12 reports false -Wmaybe-uninitialized positives in std::optional<std::string> code
  # once sanitizer instrumentation is inlined; the Release build keeps the warning.
  add_compile_options(-Wno-maybe-uninitialized)
endif()

# A static library for one layer, with the repository root as its include root and the
# rlisim::<layer> alias.
function(rlisim_add_library name alias)
  add_library(${name} STATIC ${ARGN})
  add_library(rlisim::${alias} ALIAS ${name})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  rlisim_target_defaults(${name})
endfunction()
