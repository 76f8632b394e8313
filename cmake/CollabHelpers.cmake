# Shared compile settings for every CollabGym target.
function(collab_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(COLLAB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# collab_add_library(<folder> SOURCES...) -> target collab_<folder>, alias collab::<folder>.
function(collab_add_library name)
  add_library(collab_${name} STATIC ${ARGN})
  add_library(collab::${name} ALIAS collab_${name})
  target_include_directories(collab_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  collab_target_defaults(collab_${name})
endfunction()

# collab_add_test(<name> SOURCES... LIBS ...) -> one gtest executable, discovered by ctest.
function(collab_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  collab_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main)
  # Test names get the folder as prefix ("env.Rng.DerivedStreamsAreDistinct") so that
  # `ctest -R '^learners\.'` picks one folder.
  string(REGEX REPLACE "^collab_(.*)_tests$" "\\1." prefix ${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 TEST_PREFIX ${prefix}
    PROPERTIES ENVIRONMENT "COLLABGYM_SCENARIOS=${PROJECT_SOURCE_DIR}/scenarios")
endfunction()

# collab_add_task(<name> SOURCES...): adds a task folder's sources to collab::tasks. Called from
# tasks/<name>/CMakeLists.txt, which tasks/CMakeLists.txt picks up by itself: adding a task touches
# its folder, its tests' folder, one line in tasks/register_all.cpp and the docs.
function(collab_add_task name)
  list(TRANSFORM ARGN PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/")
  target_sources(collab_tasks PRIVATE ${ARGN})
endfunction()
