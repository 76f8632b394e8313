// Where this build came from, for results files.
#pragma once

#include <string>

namespace collab::leaderboard {

// `git describe --always --dirty` of the source tree when CMake was configured ("unknown" outside
// a git checkout).
std::string git_describe();

}  // namespace collab::leaderboard
