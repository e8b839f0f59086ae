// Named points where a test can kill the process (SIGKILL, as kill -9 or a power cut would), to
// check that an interrupted save leaves the old result or the new one, never a mix. The
// environment variable TESSERA_KILL_AT names the point; unset, a point costs one comparison.
#pragma once

#include <string_view>

namespace tessera {

void fault_point(std::string_view name);

}  // namespace tessera
