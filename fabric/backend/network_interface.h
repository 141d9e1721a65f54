#pragma once
// The network interface of one GPU in the packet backend: where local messages enter the
// fabric, where messages for this GPU leave it, and where messages for others are forwarded to the
// next port (GPUs in a direct topology route for each other). Forwarding adds no latency of its
// own here; switch and router pipelines come with the fabric issue.
#include <functional>
#include <memory>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "fabric/routing/router.h"

namespace litesim {

class NetworkInterface : public sc_core::sc_module {
 public:
  using Deliver = std::function<void(tlm::tlm_generic_payload&)>;

  std::vector<std::unique_ptr<tlm_utils::simple_initiator_socket<NetworkInterface>>> to_port;
  std::vector<std::unique_ptr<tlm_utils::simple_target_socket_tagged<NetworkInterface>>> from_port;

  NetworkInterface(sc_core::sc_module_name name, int vertex, int ports, const Router& router, Deliver deliver);

  // From the local DMA: routes and sends; returns when the message has been delivered.
  void inject(tlm::tlm_generic_payload& trans);

 private:
  void arrive(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void route(tlm::tlm_generic_payload& trans);

  int vertex_;
  const Router& router_;
  Deliver deliver_;
};

}  // namespace litesim
