#pragma once
// A memspec: the organisation, timing and energy of one HBM stack standard, as in DRAMSys's
// memspec files and Ramulator's presets. Timings are in clock cycles (nCK) of tCK, as the
// standards and the simulators state them. Presets live in configs/memspec/ (sources:
// docs/memory.md).
#include <cstdint>
#include <string>

#include "core/params.h"

namespace litesim {

struct MemOrganisation {
  int channels = 0;          // per stack
  int pseudo_channels = 0;   // per channel
  int bank_groups = 0;       // per pseudo-channel
  int banks_per_group = 0;
  int64_t rows = 0;          // per bank
  int columns = 0;           // column addresses per row (each `width` bits)
  int width = 0;             // DQ bits of one pseudo-channel
  int burst_length = 0;      // beats per column access
  static const ParamSet<MemOrganisation>& schema();
};

struct MemTiming {
  int CL = 0, CWL = 0;         // read / write latency: column command to first data
  int RCDRD = 0, RCDWR = 0;    // ACT to RD / WR
  int RP = 0, RAS = 0, RC = 0; // PRE to ACT; ACT to PRE; ACT to ACT, same bank
  int WR = 0, RTP = 0;         // end of write data to PRE; RD to PRE
  int CCDS = 0, CCDL = 0;      // column to column, other / same bank group
  int RRDS = 0, RRDL = 0;      // ACT to ACT, other / same bank group
  int FAW = 0;                 // window for four ACTs
  int WTRS = 0, WTRL = 0;      // end of write data to RD, other / same bank group
  int RTW = 0;                 // RD to WR
  int RFC = 0, RFCpb = 0;      // all-bank / per-bank refresh cycle
  int REFI = 0, REFIpb = 0;    // all-bank / per-bank refresh interval
  int BL = 0;                  // data-bus cycles of one burst (nBL)
  static const ParamSet<MemTiming>& schema();
};

struct MemEnergy {
  Energy act;                 // one activation and its precharge (ACT + PRE)
  EnergyPerBit read_core, read_io;    // per bit read: array/core, and interface I/O
  EnergyPerBit write_core, write_io;  // per bit written
  Energy refresh_all_bank;    // one REFab command (one pseudo-channel)
  Energy refresh_per_bank;    // one REFpb command
  Power background;           // per stack: standby, peripheral, PHY idle
  static const ParamSet<MemEnergy>& schema();
};

struct MemSpec {
  std::string name;
  std::string standard;
  DataRate data_rate;   // per pin
  Time tck;             // clock period
  MemOrganisation org;
  MemTiming timing;
  MemEnergy energy;

  uint32_t burst_bytes() const { return static_cast<uint32_t>(org.width * org.burst_length / 8); }
  int bursts_per_row() const { return org.columns / org.burst_length; }
  int banks() const { return org.bank_groups * org.banks_per_group; }
  int pseudo_channels_per_stack() const { return org.channels * org.pseudo_channels; }
  uint64_t stack_bytes() const;
  // Peak data bandwidth of one stack: pins x data rate.
  DataRate peak_per_stack() const {
    return DataRate{static_cast<double>(org.channels) * org.pseudo_channels * org.width * data_rate.bits_per_s};
  }
  static const ParamSet<MemSpec>& schema();
};

// Checks the relations a memspec must satisfy (powers of two where addresses are decoded, the
// burst moved in BL cycles at the data rate, ...); throws ConfigError at `where`.
void check_memspec(const MemSpec& m, const SourceLoc& where, const std::string& path);

// Loads a memspec preset (configs/memspec/NAME.yaml under `configs_dir`), validated.
MemSpec load_memspec(const std::string& configs_dir, const std::string& name);

}  // namespace litesim
