# COLLAB_SANITIZE: a comma-separated list of sanitizers for the whole build (`address,undefined`;
# `make test-sanitize`). Applied to every target of the directory tree, tests and tools included,
# since a sanitizer needs every translation unit instrumented. UBSan findings abort
# (-fno-sanitize-recover) so that a test hitting one fails.
set(COLLAB_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined")

if(COLLAB_SANITIZE)
  add_compile_options(-fsanitize=${COLLAB_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${COLLAB_SANITIZE})
  if(COLLAB_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=all)
  endif()
endif()

# COLLAB_FUZZ: coverage instrumentation for libFuzzer in every target (the harnesses link
# -fsanitize=fuzzer themselves, fuzz/CMakeLists.txt).
if(COLLAB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "COLLAB_FUZZ needs clang (libFuzzer): configure with "
                        "-DCMAKE_CXX_COMPILER=clang++ (`make fuzz` does)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
