// Named points where a test can make the process fail as the world would make it fail: the
// environment variable TESSERA_KILL_AT names a point where it is killed (SIGKILL, as kill -9 or a
// power cut would; TESSERA_KILL_SIGNAL=TERM, INT or HUP sends that signal instead), to check
// that an interrupted save leaves the old result or the new one, never a mix, and no temporary;
// TESSERA_FAIL_AT names one where it throws the Error a full disk would give, to check what a run
// does about it. Unset, a point costs two comparisons.
#pragma once

#include <string_view>

namespace tessera {

void fault_point(std::string_view name);

}  // namespace tessera
