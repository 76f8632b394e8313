# Installs the build into a fresh prefix, builds README.md's "In C++" snippet as a separate project
# against it (find_package(CollabGym)), and runs it. Run by ctest (tests/install/CMakeLists.txt):
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... [-DMAKE_PROGRAM=...]
#         -DCXX_COMPILER=... -DBUILD_TYPE=... -P install_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER BUILD_TYPE)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(consumer_src "${WORK_DIR}/consumer")
set(consumer_build "${WORK_DIR}/consumer-build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# Runs a command; on failure prints what it printed and stops the test.
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n  ${ARGN}\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

# 1. Install.
run_step("cmake --install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
include(GNUInstallDirs)
foreach(path
    "${CMAKE_INSTALL_INCLUDEDIR}/collabgym/env/env.h"
    "${CMAKE_INSTALL_INCLUDEDIR}/collabgym/tasks/register_all.h"
    "${CMAKE_INSTALL_INCLUDEDIR}/collabgym/agents/agent.h"
    "${CMAKE_INSTALL_INCLUDEDIR}/collabgym/bridge/client.h"
    "${CMAKE_INSTALL_LIBDIR}/libcollab_env.a"
    "${CMAKE_INSTALL_LIBDIR}/libcollab_tasks.a"
    "${CMAKE_INSTALL_LIBDIR}/libcollab_agents.a"
    "${CMAKE_INSTALL_LIBDIR}/libcollab_bridge.a"
    "${CMAKE_INSTALL_LIBDIR}/cmake/CollabGym/CollabGymConfig.cmake"
    "${CMAKE_INSTALL_LIBDIR}/cmake/CollabGym/CollabGymConfigVersion.cmake"
    "${CMAKE_INSTALL_BINDIR}/collabgym"
    "${CMAKE_INSTALL_DATADIR}/collabgym/scenarios/twenty_questions")
  if(NOT EXISTS "${prefix}/${path}")
    message(FATAL_ERROR "not installed: ${prefix}/${path}")
  endif()
endforeach()
file(GLOB_RECURSE leaked RELATIVE "${prefix}" "${prefix}/*.cpp" "${prefix}/*.py"
     "${prefix}/*CMakeLists.txt")
if(leaked)
  message(FATAL_ERROR "installed files that are not part of the package: ${leaked}")
endif()

# 2. The consumer project, its main.cpp made from the README's "In C++" snippet.
file(READ "${SOURCE_DIR}/README.md" readme)
string(FIND "${readme}" "In C++:" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md has no \"In C++:\" snippet")
endif()
string(SUBSTRING "${readme}" ${at} -1 readme)
string(REGEX MATCH "```cpp\n(.*)" _ "${readme}")
set(snippet "${CMAKE_MATCH_1}")
string(FIND "${snippet}" "```" end)
string(SUBSTRING "${snippet}" 0 ${end} snippet)
string(REGEX MATCHALL "#include[^\n]*" SNIPPET_INCLUDES "${snippet}")
list(JOIN SNIPPET_INCLUDES "\n" SNIPPET_INCLUDES)
string(REGEX REPLACE "#include[^\n]*\n" "" body "${snippet}")
string(REGEX REPLACE "\n$" "" body "${body}")
string(REPLACE "\n" "\n    " body "${body}")
set(SNIPPET_BODY "    ${body}")
if(NOT SNIPPET_BODY MATCHES "builtin_registry\\(\\)\\.make" OR NOT SNIPPET_BODY MATCHES "env\\.step")
  message(FATAL_ERROR "README.md's \"In C++\" snippet no longer makes and steps an env:\n${snippet}")
endif()
file(COPY "${SOURCE_DIR}/tests/install/consumer/CMakeLists.txt" DESTINATION "${consumer_src}")
configure_file("${SOURCE_DIR}/tests/install/consumer/main.cpp.in" "${consumer_src}/main.cpp" @ONLY)

set(configure_args -S "${consumer_src}" -B "${consumer_build}" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
run_step("configuring the consumer" "${CMAKE_COMMAND}" ${configure_args})
run_step("building the consumer" "${CMAKE_COMMAND}" --build "${consumer_build}")

# 3. Run it the way a user would: no scenario override in the environment, from another folder.
run_step("running the consumer" "${CMAKE_COMMAND}" -E env --unset=COLLABGYM_SCENARIOS
         "${consumer_build}/consumer")
set(out "${step_output}")
message(STATUS "consumer printed:\n${out}")
if(NOT out MATCHES "opening: [^\n]+\n" OR NOT out MATCHES "seed: 42\n")
  message(FATAL_ERROR "the consumer did not reset the env with seed 42:\n${out}")
endif()
# "Is it alive?" is a yes/no question every 20 Questions object answers.
if(NOT out MATCHES "reply: (Yes|No)[^\n]*\n")
  message(FATAL_ERROR "the consumer's step got no yes/no reply to \"Is it alive?\":\n${out}")
endif()
if(NOT out MATCHES "terminated: 0 truncated: 0")
  message(FATAL_ERROR "one question ended the episode:\n${out}")
endif()

# 4. The installed command line works from the prefix.
run_step("installed collabgym list" "${CMAKE_COMMAND}" -E env --unset=COLLABGYM_SCENARIOS
         "${prefix}/${CMAKE_INSTALL_BINDIR}/collabgym" list)
if(NOT step_output MATCHES "twenty_questions-v0")
  message(FATAL_ERROR "installed collabgym list printed:\n${step_output}")
endif()
# Which scenarios the installed binary reads (the spec records the file it loaded).
run_step("installed collabgym spec" "${CMAKE_COMMAND}" -E env --unset=COLLABGYM_SCENARIOS
         "${prefix}/${CMAKE_INSTALL_BINDIR}/collabgym" spec twenty_questions-v0)
string(JSON scenario_path ERROR_VARIABLE json_error GET "${step_output}" scenario path)
if(json_error)
  message(FATAL_ERROR "installed collabgym spec: no scenario.path (${json_error})")
endif()
file(REAL_PATH "${prefix}" real_prefix)
file(REAL_PATH "${scenario_path}" real_scenario)
file(REAL_PATH "${SOURCE_DIR}" real_source)
string(FIND "${real_scenario}" "${real_prefix}/" in_prefix)
string(FIND "${real_scenario}" "${real_source}/" in_source)
if(in_prefix EQUAL 0)
  message(STATUS "installed collabgym reads the installed scenarios: ${scenario_path}")
elseif(in_source EQUAL 0)
  # env/scenario.cpp's scenario_dir() knows only the folder baked in at build time (the source
  # tree) until it also looks next to the running executable (<bin>/../share/collabgym/scenarios).
  message(WARNING "installed collabgym reads the source tree's scenarios (${scenario_path}), "
                  "not the installed ones under ${prefix}")
else()
  message(FATAL_ERROR "installed collabgym reads scenarios from an unexpected place: "
                      "${scenario_path}")
endif()
# 5. Torch builds: the learners module is installed, and the installed program loads it (a ppo:
# agent whose checkpoint is missing gets past the module's loading to the checkpoint's error).
set(module "${prefix}/${CMAKE_INSTALL_LIBDIR}/collabgym/libcollabgym_learners.so")
if(EXISTS "${module}")
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env --unset=COLLABGYM_LEARNERS
            "${prefix}/${CMAKE_INSTALL_BINDIR}/collabgym" run -t twenty_questions
            -a "ppo:${WORK_DIR}/no-such-run" -n 1
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "checkpoint '[^']*no-such-run' not found")
    message(FATAL_ERROR "installed collabgym did not load its learners module (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "installed learners module loads: ${module}")
endif()
message(STATUS "install test passed (prefix ${prefix})")
