// The CollabGym version, from project(VERSION) in CMakeLists.txt (the one place it is written).
#pragma once

namespace collab {

#ifndef COLLAB_VERSION
#error "COLLAB_VERSION is defined by CMake for every target linking collab::env"
#endif
inline constexpr const char* kVersion = COLLAB_VERSION;

}  // namespace collab
