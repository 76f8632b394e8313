# Dependency lookups (Debian bookworm packages; nothing is downloaded at build time).
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(Threads REQUIRED)
if(COLLAB_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
