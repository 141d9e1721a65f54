#include "fabric/backend/network_interface.h"

#include <string>

#include "core/message.h"

namespace litesim {

NetworkInterface::NetworkInterface(sc_core::sc_module_name name, int vertex, int ports, const Router& router,
                                   Deliver deliver)
    : sc_module(name), vertex_(vertex), router_(router), deliver_(std::move(deliver)) {
  for (int p = 0; p < ports; ++p) {
    to_port.push_back(std::make_unique<tlm_utils::simple_initiator_socket<NetworkInterface>>(
        ("to_port_" + std::to_string(p)).c_str()));
    from_port.push_back(std::make_unique<tlm_utils::simple_target_socket_tagged<NetworkInterface>>(
        ("from_port_" + std::to_string(p)).c_str()));
    from_port.back()->register_b_transport(this, &NetworkInterface::arrive, p);
  }
}

void NetworkInterface::route(tlm::tlm_generic_payload& trans) {
  auto* ext = trans.get_extension<MessageExtension>();
  if (ext->info.dst == vertex_) {
    deliver_(trans);
    return;
  }
  RouteQuery q;
  q.vertex = vertex_;
  q.src_gpu = ext->info.src;
  q.dst_gpu = ext->info.dst;
  const int port = router_.route(q).port;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  (*to_port.at(static_cast<size_t>(port)))->b_transport(trans, delay);
}

void NetworkInterface::inject(tlm::tlm_generic_payload& trans) { route(trans); }

void NetworkInterface::arrive(int /*port*/, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (delay != sc_core::SC_ZERO_TIME) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
  }
  route(trans);
}

}  // namespace litesim
