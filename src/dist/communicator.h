// The processes of a distributed run (docs/distributed.md): a thin wrapper over the few MPI
// collectives groundswell needs, and the point-to-point messages of the distributed ingest, so
// no other module includes mpi.h or knows whether MPI was built in.
//
//   dist::Session session(argc, argv);      // in main(): MPI starts only under mpirun
//   dist::Communicator& c = dist::world();  // rank() in [0, size())
//   auto got = c.all_to_all(std::move(out));  // out[d] goes to rank d; got[s] came from s
//
// Without MPI (a build without it, or a process not started by mpirun / srun), world() is a
// single process: size() is 1 and every collective returns its own input, so code written
// for N processes runs unchanged as one.
//
// Promises: every collective is called by every rank of world() in the same order (MPI's
// rule); buffers of any size are exchanged (split below MPI's int counts); the result of a
// collective never depends on timing. Failures of the transport abort the whole job (MPI's
// default error handler): a rank that lost its peers cannot produce a partial result.
// Thread-safety: MPI is initialised with MPI_THREAD_FUNNELED — call collectives and messages
// from the thread that created the Session only (TBB workers never do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace groundswell::dist {

using Bytes = std::vector<std::byte>;

class Communicator {
 public:
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }

  // Every rank sends send[d] to rank d (send.size() == size()); returns, per source rank s,
  // what s sent here. send is consumed.
  std::vector<Bytes> all_to_all(std::vector<Bytes> send);
  // On root: what each rank passed, by rank. Elsewhere: empty.
  std::vector<Bytes> gather(Bytes mine, int root = 0);
  // root's `data` on every rank.
  void broadcast(Bytes& data, int root = 0);
  // Element-wise sums over all ranks (every rank passes the same length).
  void all_reduce_sum(std::span<std::uint64_t> values);
  // Element-wise sums on root only; the other ranks' `values` are left as they were.
  void reduce_sum(std::span<std::uint32_t> values, int root = 0);
  void barrier();

  // Point to point, outside the collectives (the distributed ingest: docs/distributed.md): sends
  // `data` to rank `to` under `tag` (at least kFirstMessageTag; the collectives use the tags
  // below it). Returns once `data` may be reused: a large message waits for the receiver.
  void send(int to, int tag, const Bytes& data);
  // The next message `from` sent here under `tag` (messages of one sender and tag arrive in
  // the order they were sent), into `into` (its buffer reused); waits for it.
  void receive(int from, int tag, Bytes& into);
  Bytes receive(int from, int tag) {
    Bytes in;
    receive(from, tag, in);
    return in;
  }
  // Whether a message `from` sent under `tag` is waiting, without receiving it.
  bool waiting(int from, int tag);
  static constexpr int kFirstMessageTag = 16;
  // Ends every process of the job with `code` (a rank that cannot go on would otherwise
  // leave the others waiting in a collective forever). Without MPI: std::exit(code).
  [[noreturn]] void abort(int code);

 private:
  friend class Session;
  int rank_ = 0, size_ = 1;
};

// The processes of this run.
Communicator& world();

// Part r of n items cut into `parts` contiguous blocks of near-equal size: [first, second).
inline std::pair<std::size_t, std::size_t> block(std::size_t n, std::size_t r, std::size_t parts) {
  return {n * r / parts, n * (r + 1) / parts};
}

// Starts MPI when this process was launched by an MPI starter (mpirun, srun; recognised by
// the variables they set) and stops it when destroyed; otherwise does nothing. One per
// process, in main(), before any other use of world().
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  bool started_ = false;
};

// True when MPI was built in (GS_MPI).
bool mpi_built_in();

// Byte buffers of trivially copyable values.
template <typename T>
void append(Bytes& out, std::span<const T> values) {
  const auto* p = reinterpret_cast<const std::byte*>(values.data());
  out.insert(out.end(), p, p + values.size_bytes());
}
template <typename T>
void append_value(Bytes& out, const T& value) {
  append(out, std::span<const T>(&value, 1));
}
void append_string(Bytes& out, std::string_view s);  // length-prefixed

// Reads back what append* wrote, in the same order.
class Reader {
 public:
  explicit Reader(const Bytes& in) : in_(in) {}
  template <typename T>
  T value() {
    T v;
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  template <typename T>
  void values(std::vector<T>& out, std::size_t n) {  // appends n values
    const std::size_t old = out.size();
    out.resize(old + n);
    std::memcpy(out.data() + old, in_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }
  std::string string();
  void string(std::string& out);  // into `out`, reusing its buffer
  bool done() const { return pos_ >= in_.size(); }

 private:
  const Bytes& in_;
  std::size_t pos_ = 0;
};

// The few things rank 0 asks the other ranks to do, in a distributed run: the other ranks
// wait in a loop (pipeline/distributed.h) for the next instruction, broadcast from rank 0.
enum class Instruction : std::uint8_t {
  kStop = 0,        // the command on rank 0 has finished
  kLoadDataset,     // payload: the database path; load the analysis data from it
  kOpenDetector,    // payload: widest window (int64), lowest min_repetition (int32)
  kDetect,          // payload: DetectOptions::to_json()
  kReleaseActions,  // Detector::release_actions()
  kCloseDetector,
  kSignals,  // compute_signals() with the default options over the shared data
  kIngest,   // payload: the ingest's inputs and options; parse a share of them (ingest.h)
};
// On rank 0: sends an instruction to every other rank. Elsewhere: not to be called.
void send_instruction(Instruction what, const Bytes& payload = {});
// On ranks other than 0: waits for the next instruction; payload receives its bytes.
Instruction receive_instruction(Bytes& payload);

}  // namespace groundswell::dist
