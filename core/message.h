#pragma once
// Message metadata carried on every TLM transaction that belongs to a fabric message, so that each
// block on the way (DMA, transceiver, link, switch) can book bytes and energy per message and
// tell where it goes. The generic payload's data_length is the transfer size; LiteSim is a timing
// model and moves no data, so data_ptr stays null.
#include <cstdint>

#include <tlm>

namespace litesim {

struct MessageInfo {
  uint64_t id = 0;
  int src = 0;  // source GPU
  int dst = 0;  // destination GPU
  uint64_t bytes = 0;
  int64_t tag = 0;
};

class MessageExtension : public tlm::tlm_extension<MessageExtension> {
 public:
  MessageExtension() = default;
  explicit MessageExtension(const MessageInfo& m) : info(m) {}
  tlm::tlm_extension_base* clone() const override { return new MessageExtension(info); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    info = static_cast<const MessageExtension&>(other).info;
  }
  MessageInfo info;
};

// Attaches a stack-held extension to a payload for this object's lifetime. The payload's
// destructor frees every extension still attached, so a stack extension must be detached on every
// exit path, exceptions included. Declare it after both the payload and the extension.
class ScopedExtension {
 public:
  ScopedExtension(tlm::tlm_generic_payload& trans, MessageExtension& ext) : trans_(trans), ext_(ext) {
    trans_.set_extension(&ext_);
  }
  ~ScopedExtension() { trans_.clear_extension(&ext_); }
  ScopedExtension(const ScopedExtension&) = delete;
  ScopedExtension& operator=(const ScopedExtension&) = delete;

 private:
  tlm::tlm_generic_payload& trans_;
  MessageExtension& ext_;
};

}  // namespace litesim
