# Install rules and the relocatable CMake package `CollabGym` (find_package(CollabGym)).
#
# `cmake --install BUILD [--prefix P]` installs, under P:
#   include/collabgym/{env,tasks,agents,bridge}/...h   repo-root include paths: with
#                                                      include/collabgym on the include path,
#                                                      `#include "env/env.h"` works as in the tree
#   lib/libcollab_{env,tasks,agents,bridge_client,bridge}.a
#   bin/collabgym
#   lib/collabgym/libcollabgym_learners.so             torch builds only: the learners module that
#                                                      collabgym loads for train and ppo: agents
#   share/collabgym/scenarios/<task>/<name>.json
#   lib/cmake/CollabGym/                               the package (targets CollabGym::env,
#                                                      ::tasks, ::agents, ::bridge_client,
#                                                      ::bridge, ::collabgym)
# Learners (torch) are not installed as a library (only as collabgym's module). Directory names
# follow GNUInstallDirs.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(COLLAB_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}/collabgym")
set(COLLAB_INSTALL_SCENARIODIR "${CMAKE_INSTALL_DATADIR}/collabgym/scenarios")
set(COLLAB_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/CollabGym")

# <out>: the path from the installed executables' folder to the installed scenarios
# ("../share/collabgym/scenarios" with the GNU defaults).
function(collab_bindir_to_scenarios out)
  file(RELATIVE_PATH rel "/p/${CMAKE_INSTALL_BINDIR}" "/p/${COLLAB_INSTALL_SCENARIODIR}")
  set(${out} "${rel}" PARENT_SCOPE)
endfunction()

# Where installed code looks for scenarios (env/scenario.cpp, scenario_dir()), passed to collab::env
# as compile definitions: the absolute install location of the configured prefix, and the path from
# the installed executable's folder, for relocated installs (`cmake --install --prefix`).
function(collab_scenario_install_definitions target)
  collab_bindir_to_scenarios(bin_to_scenarios)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_DATADIR}")
    set(full "${CMAKE_INSTALL_DATADIR}/collabgym/scenarios")
  else()
    set(full "${CMAKE_INSTALL_PREFIX}/${COLLAB_INSTALL_SCENARIODIR}")
  endif()
  target_compile_definitions(${target} PRIVATE
    COLLAB_INSTALL_SCENARIO_DIR="${full}"
    COLLAB_BINDIR_TO_SCENARIOS="${bin_to_scenarios}")
endfunction()

# The build tree mirrors the installed layout for scenarios: <build>/<datadir>/collabgym/scenarios
# links to COLLAB_SCENARIO_DIR, so that a build-tree program (<build>/cli/collabgym, bench/...)
# finds them where an installed one does, COLLAB_BINDIR_TO_SCENARIOS from its own folder.
function(collab_build_tree_scenarios)
  collab_bindir_to_scenarios(bin_to_scenarios)
  get_filename_component(link "${PROJECT_BINARY_DIR}/cli/${bin_to_scenarios}" ABSOLUTE)
  string(FIND "${link}" "${PROJECT_BINARY_DIR}/" at)
  if(NOT at EQUAL 0)
    return()  # outside the build tree (absolute or unusual install dirs)
  endif()
  if(IS_SYMLINK "${link}")
    file(REMOVE "${link}")  # COLLAB_SCENARIO_DIR may have changed
  elseif(EXISTS "${link}")
    return()
  endif()
  get_filename_component(parent "${link}" DIRECTORY)
  file(MAKE_DIRECTORY "${parent}")
  file(CREATE_LINK "${COLLAB_SCENARIO_DIR}" "${link}" RESULT rc SYMBOLIC)
  if(NOT rc EQUAL 0)
    message(STATUS "No build-tree scenarios link (${rc}); programs use COLLAB_SCENARIO_DIR")
  endif()
endfunction()

# Makes a library target exportable: the repo-root include path (set by collab_add_library as a
# plain path) becomes build-tree only, and the installed tree gets include/collabgym instead.
function(collab_make_exportable target export_name)
  get_target_property(dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
  set(fixed "")
  if(dirs)
    foreach(dir IN LISTS dirs)
      if(dir STREQUAL PROJECT_SOURCE_DIR OR dir STREQUAL "${PROJECT_SOURCE_DIR}/")
        list(APPEND fixed "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>")
      else()
        list(APPEND fixed "${dir}")
      endif()
    endforeach()
  endif()
  list(APPEND fixed "$<INSTALL_INTERFACE:${COLLAB_INSTALL_INCLUDEDIR}>")
  list(REMOVE_DUPLICATES fixed)
  set_target_properties(${target} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${fixed}"
    EXPORT_NAME ${export_name})
endfunction()

# collab_install(CORE <lib>... BRIDGE <lib>... PROGRAMS <exe>... [MODULES <module>...]
#                HEADER_DIRS <folder>...)
#   CORE:     libraries that need only fmt, nlohmann_json and Threads (export set CollabGymTargets)
#   BRIDGE:   libraries that also need cppzmq, msgpack, Boost and spdlog (CollabGymBridgeTargets,
#             loaded by find_package unless COMPONENTS leaves out `bridge`/`bridge_client`)
#   PROGRAMS: executables, installed to bin/ and exported as CollabGym::<name>
#   MODULES:  dlopen modules of the programs, installed to lib/collabgym/ (not exported)
#   HEADER_DIRS: top-level folders whose *.h are installed under include/collabgym/<folder>/
# Each library target collab_<x> is exported as CollabGym::<x>.
function(collab_install)
  cmake_parse_arguments(I "" "" "CORE;BRIDGE;PROGRAMS;MODULES;HEADER_DIRS" ${ARGN})

  foreach(set_name IN ITEMS CORE BRIDGE)
    foreach(target IN LISTS I_${set_name})
      string(REGEX REPLACE "^collab_" "" export_name "${target}")
      collab_make_exportable(${target} ${export_name})
    endforeach()
  endforeach()

  install(TARGETS ${I_CORE} ${I_PROGRAMS} EXPORT CollabGymTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime)
  if(I_MODULES)
    install(TARGETS ${I_MODULES}
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/collabgym COMPONENT Runtime)
  endif()
  install(EXPORT CollabGymTargets NAMESPACE CollabGym::
    DESTINATION ${COLLAB_INSTALL_CMAKEDIR} FILE CollabGymTargets.cmake COMPONENT Development)
  if(I_BRIDGE)
    install(TARGETS ${I_BRIDGE} EXPORT CollabGymBridgeTargets
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development)
    install(EXPORT CollabGymBridgeTargets NAMESPACE CollabGym::
      DESTINATION ${COLLAB_INSTALL_CMAKEDIR} FILE CollabGymBridgeTargets.cmake
      COMPONENT Development)
  endif()

  foreach(dir IN LISTS I_HEADER_DIRS)
    # Globbed at install time, so a new header (or task folder) needs no change here.
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/${dir}/"
      DESTINATION "${COLLAB_INSTALL_INCLUDEDIR}/${dir}" COMPONENT Development
      FILES_MATCHING PATTERN "*.h"
      PATTERN "python" EXCLUDE         # bridge/python: the Python client, not C++
      PATTERN "__pycache__" EXCLUDE)
  endforeach()

  install(DIRECTORY "${PROJECT_SOURCE_DIR}/scenarios/"
    DESTINATION ${COLLAB_INSTALL_SCENARIODIR} COMPONENT Runtime
    FILES_MATCHING PATTERN "*.json")

  set(COLLAB_INSTALL_SCENARIODIR_FOR_CONFIG "${COLLAB_INSTALL_SCENARIODIR}")
  set(COLLAB_INSTALL_INCLUDEDIR_FOR_CONFIG "${COLLAB_INSTALL_INCLUDEDIR}")
  configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/CollabGymConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/CollabGymConfig.cmake"
    INSTALL_DESTINATION ${COLLAB_INSTALL_CMAKEDIR}
    PATH_VARS COLLAB_INSTALL_SCENARIODIR_FOR_CONFIG COLLAB_INSTALL_INCLUDEDIR_FOR_CONFIG)
  # 0.x: minor versions may break the API, so only the same minor version is compatible.
  write_basic_package_version_file("${PROJECT_BINARY_DIR}/CollabGymConfigVersion.cmake"
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES "${PROJECT_BINARY_DIR}/CollabGymConfig.cmake"
                "${PROJECT_BINARY_DIR}/CollabGymConfigVersion.cmake"
    DESTINATION ${COLLAB_INSTALL_CMAKEDIR} COMPONENT Development)
endfunction()
