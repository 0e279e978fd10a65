# Warning flags, -Werror and sanitizer options applied to every rlisim target.
function(rlisim_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -pedantic)
  if(RLISIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(RLISIM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "RLISIM_FUZZ=ON needs Clang for libFuzzer (found "
                        "${CMAKE_CXX_COMPILER_ID}); configure a separate build directory with "
                        "CXX=clang++-14, as scripts/fuzz.sh does")
  endif()
  # A finding is only a finding if the sanitizers can see it: fuzzing always runs under both.
  if(NOT RLISIM_SANITIZE)
    set(RLISIM_SANITIZE address,undefined)
  endif()
  # Coverage instrumentation for every library; the harnesses link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(RLISIM_SANITIZE)
  add_compile_options(-fsanitize=${RLISIM_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${RLISIM_SANITIZE})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false -Wmaybe-uninitialized positives in std::optional<std::string> code
    # once sanitizer instrumentation is inlined; the Release build keeps the warning.
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()

# A static library for one layer, with the repository root as its include root and the
# rlisim::<layer> alias.
function(rlisim_add_library name alias)
  add_library(${name} STATIC ${ARGN})
  add_library(rlisim::${alias} ALIAS ${name})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  rlisim_target_defaults(${name})
endfunction()
