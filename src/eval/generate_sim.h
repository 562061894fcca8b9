// The simulated month of a synthetic dataset (generate.h is the contract). Hour by hour, the
// organic activity of both platforms, the planted campaigns, the viral bursts and the organic
// look-alikes put their messages into one time-ordered event queue; when a message's time
// comes it gets its ids, text and metrics and goes to the writer of its format
// (generate_writers.h), and what it expressed is tallied in the world for the ground truth.
//
// Memory grows with the number of accounts, not with the number of messages: the queue holds
// the messages still to come and the messages they refer to (the item pool), never the past.
//
// Thread-safety: one simulation per World; it continues the draws of `random` where
// build_world() left them.
#pragma once

#include <cstdint>

#include "eval/generate.h"
#include "eval/generate_world.h"
#include "eval/generate_writers.h"

namespace groundswell::gen {

// Plays the world's period into `outputs`; returns how many tweets were written both in the
// IO archive and in the twarc2 pages.
std::int64_t simulate(const GenerateOptions& options, const Scale& scale, World& world,
                      Randomness& random, Outputs& outputs);

}  // namespace groundswell::gen
