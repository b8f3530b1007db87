#pragma once
// Loopback ports for the servers tests start (nginx, upstreams, the agent's
// /metrics).

namespace ksight::testing {

// A loopback port nobody listens on right now (bound, read, released).
int free_port();

}  // namespace ksight::testing
