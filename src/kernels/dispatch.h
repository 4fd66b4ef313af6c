// Run-time selection of the kernel variants installed in the type table
// (type_traits.h).
//
// Levels are cumulative: avx2 = AVX2 + FMA + F16C kernels; avx512 = the avx2
// set with the kernels that gain from AVX-512 (F/BW/VL + VNNI) replaced;
// neon = ARMv8-A Advanced SIMD kernels; neon_dotprod = the neon set with the
// kernels that gain from the ARMv8.2 SDOT/UDOT instructions replaced. A
// level only replaces a table entry that currently holds the scalar function
// the SIMD kernel was written and tested against (or another level's variant
// of it). So if start-up code switched an entry to a different scalar
// variant (e.g. the x86-rounding Q8_0 activation quantizer), that entry gets
// the SIMD twin of *that* variant when one exists, and otherwise keeps the
// scalar function: installing SIMD kernels never changes which rounding rule
// or integer results the table implements.
//
// The table is read without synchronisation on the hot path, so init_dispatch
// and set_isa_level must run before inference threads start (start-up,
// tests, benchmarks).
#pragma once

#include <optional>
#include <string_view>

#include "common/status.h"

namespace ledge::kernels {

// Two families above scalar, each cumulative within itself: x86 (avx2 <
// avx512) and ARM (neon < neon_dotprod). A build contains at most one family.
// On ARM every NEON kernel is a bit-identical twin of the function it
// replaces (exact integer sums, then the same float operations in the same
// order), so results never depend on the level there.
enum class IsaLevel { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 3, kNeonDotprod = 4 };

inline constexpr IsaLevel kAllIsaLevels[] = {IsaLevel::kScalar, IsaLevel::kAvx2, IsaLevel::kAvx512, IsaLevel::kNeon,
                                             IsaLevel::kNeonDotprod};

// "scalar", "avx2", "avx512", "neon", "neon_dotprod"
std::string_view isa_level_name(IsaLevel level);
std::optional<IsaLevel> parse_isa_level(std::string_view name);

// True if this build contains the level's kernels and this CPU (and OS) can
// run them. kScalar is always supported.
bool isa_level_supported(IsaLevel level);

// The CPU features a level needs, for messages ("avx512f avx512bw ...").
std::string_view isa_level_requirements(IsaLevel level);

// Highest supported level.
IsaLevel best_isa_level();

// Name of the environment variable that caps the level init_dispatch picks
// ("scalar", "avx2", "avx512", "neon", "neon_dotprod"; unknown values and
// levels this build or CPU cannot run are ignored).
inline constexpr const char* kIsaEnvVar = "LEDGE_ISA";

// best_isa_level(), lowered to $LEDGE_ISA if that names a lower supported level.
IsaLevel isa_level_from_env();

// Installs the best supported level (capped by $LEDGE_ISA) the first time it
// is called; later calls do nothing. Thread-safe (std::call_once).
void init_dispatch();

// Re-installs the table for `level` (kScalar restores the scalar functions the
// SIMD variants replaced). Fails, changing nothing, if the level is not
// supported here. Start-up / tests / benchmarks only (see above).
Status set_isa_level(IsaLevel level);

// Level of the last init_dispatch / set_isa_level (kScalar before either).
IsaLevel active_isa_level();
std::string_view active_isa();  // isa_level_name(active_isa_level())

}  // namespace ledge::kernels
