#include "leaderboard/build_info.h"

#ifndef COLLAB_GIT_DESCRIBE
#define COLLAB_GIT_DESCRIBE "unknown"
#endif

namespace collab::leaderboard {

std::string git_describe() { return COLLAB_GIT_DESCRIBE; }

}  // namespace collab::leaderboard
