#include "dist/communicator.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <thread>

#ifdef GS_HAVE_MPI
#include <mpi.h>
#endif

namespace groundswell::dist {
namespace {

Communicator g_world;

#ifdef GS_HAVE_MPI
// MPI counts are ints: larger buffers go in pieces of at most this many bytes.
constexpr std::size_t kChunk = std::size_t{1} << 30;

// Sends `out` to `to` while receiving what `from` sends here (sizes first, then chunks), so
// every rank can exchange with a partner in the same round without deadlock.
Bytes exchange(const Bytes& out, int to, int from) {
  std::uint64_t sent = out.size(), size = 0;
  MPI_Sendrecv(&sent, 1, MPI_UINT64_T, to, 0, &size, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
  Bytes in(size);
  std::vector<MPI_Request> requests;
  for (std::size_t r = 0; r < in.size(); r += kChunk)
    MPI_Irecv(in.data() + r, static_cast<int>(std::min(kChunk, in.size() - r)), MPI_BYTE, from, 1,
              MPI_COMM_WORLD, &requests.emplace_back());
  for (std::size_t s = 0; s < out.size(); s += kChunk)
    MPI_Isend(out.data() + s, static_cast<int>(std::min(kChunk, out.size() - s)), MPI_BYTE, to, 1,
              MPI_COMM_WORLD, &requests.emplace_back());
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  return in;
}

bool started_by_mpi_starter() {
  // Open MPI's mpirun, PMIx launchers (srun --mpi=pmix), and PMI-1/2 (srun, MPICH hydra).
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}
#endif

}  // namespace

Communicator& world() { return g_world; }

bool mpi_built_in() {
#ifdef GS_HAVE_MPI
  return true;
#else
  return false;
#endif
}

Session::Session([[maybe_unused]] int& argc, [[maybe_unused]] char**& argv) {
#ifdef GS_HAVE_MPI
  if (!started_by_mpi_starter()) return;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  started_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_world.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world.size_);
#endif
}

Session::~Session() {
#ifdef GS_HAVE_MPI
  if (!started_) return;
  MPI_Finalize();
  g_world.rank_ = 0;
  g_world.size_ = 1;
#endif
}

std::vector<Bytes> Communicator::all_to_all(std::vector<Bytes> send) {
  std::vector<Bytes> got(static_cast<std::size_t>(size_));
  got[static_cast<std::size_t>(rank_)] = std::move(send[static_cast<std::size_t>(rank_)]);
#ifdef GS_HAVE_MPI
  // Round k: send to rank + k, receive from rank - k; each buffer is freed once sent.
  for (int k = 1; k < size_; ++k) {
    const int to = (rank_ + k) % size_, from = (rank_ - k + size_) % size_;
    got[static_cast<std::size_t>(from)] = exchange(send[static_cast<std::size_t>(to)], to, from);
    Bytes().swap(send[static_cast<std::size_t>(to)]);
  }
#endif
  return got;
}

std::vector<Bytes> Communicator::gather(Bytes mine, int root) {
  std::vector<Bytes> got;
  if (size_ == 1) {
    got.push_back(std::move(mine));
    return got;
  }
#ifdef GS_HAVE_MPI
  if (rank_ == root) {
    got.resize(static_cast<std::size_t>(size_));
    for (int s = 0; s < size_; ++s) {
      if (s == root) {
        got[static_cast<std::size_t>(s)] = std::move(mine);
        continue;
      }
      std::uint64_t size = 0;
      MPI_Recv(&size, 1, MPI_UINT64_T, s, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      Bytes& in = got[static_cast<std::size_t>(s)];
      in.resize(size);
      for (std::size_t r = 0; r < in.size(); r += kChunk)
        MPI_Recv(in.data() + r, static_cast<int>(std::min(kChunk, in.size() - r)), MPI_BYTE, s, 3,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
  } else {
    std::uint64_t size = mine.size();
    MPI_Send(&size, 1, MPI_UINT64_T, root, 2, MPI_COMM_WORLD);
    for (std::size_t s = 0; s < mine.size(); s += kChunk)
      MPI_Send(mine.data() + s, static_cast<int>(std::min(kChunk, mine.size() - s)), MPI_BYTE, root,
               3, MPI_COMM_WORLD);
  }
#endif
  return got;
}

void Communicator::broadcast([[maybe_unused]] Bytes& data, [[maybe_unused]] int root) {
#ifdef GS_HAVE_MPI
  if (size_ == 1) return;
  std::uint64_t size = data.size();
  MPI_Bcast(&size, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
  data.resize(size);
  for (std::size_t s = 0; s < data.size(); s += kChunk)
    MPI_Bcast(data.data() + s, static_cast<int>(std::min(kChunk, data.size() - s)), MPI_BYTE, root,
              MPI_COMM_WORLD);
#endif
}

void Communicator::all_reduce_sum([[maybe_unused]] std::span<std::uint64_t> values) {
#ifdef GS_HAVE_MPI
  if (size_ == 1) return;
  constexpr std::size_t kStep = kChunk / sizeof(std::uint64_t);
  for (std::size_t s = 0; s < values.size(); s += kStep)
    MPI_Allreduce(MPI_IN_PLACE, values.data() + s,
                  static_cast<int>(std::min(kStep, values.size() - s)), MPI_UINT64_T, MPI_SUM,
                  MPI_COMM_WORLD);
#endif
}

void Communicator::reduce_sum([[maybe_unused]] std::span<std::uint32_t> values,
                              [[maybe_unused]] int root) {
#ifdef GS_HAVE_MPI
  if (size_ == 1) return;
  constexpr std::size_t kStep = kChunk / sizeof(std::uint32_t);
  for (std::size_t s = 0; s < values.size(); s += kStep) {
    const int n = static_cast<int>(std::min(kStep, values.size() - s));
    if (rank_ == root)
      MPI_Reduce(MPI_IN_PLACE, values.data() + s, n, MPI_UINT32_T, MPI_SUM, root, MPI_COMM_WORLD);
    else
      MPI_Reduce(values.data() + s, nullptr, n, MPI_UINT32_T, MPI_SUM, root, MPI_COMM_WORLD);
  }
#endif
}

void Communicator::barrier() {
#ifdef GS_HAVE_MPI
  if (size_ > 1) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void Communicator::send([[maybe_unused]] int to, [[maybe_unused]] int tag,
                        [[maybe_unused]] const Bytes& data) {
#ifdef GS_HAVE_MPI
  // The size, then the bytes under the same tag: MPI keeps one sender's messages of a tag in
  // order, so the receiver reads them as one.
  std::uint64_t size = data.size();
  MPI_Send(&size, 1, MPI_UINT64_T, to, tag, MPI_COMM_WORLD);
  for (std::size_t s = 0; s < data.size(); s += kChunk)
    MPI_Send(data.data() + s, static_cast<int>(std::min(kChunk, data.size() - s)), MPI_BYTE, to,
             tag, MPI_COMM_WORLD);
#endif
}

void Communicator::receive([[maybe_unused]] int from, [[maybe_unused]] int tag,
                           [[maybe_unused]] Bytes& in) {
#ifdef GS_HAVE_MPI
  std::uint64_t size = 0;
  MPI_Recv(&size, 1, MPI_UINT64_T, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  in.resize(size);
  for (std::size_t r = 0; r < in.size(); r += kChunk)
    MPI_Recv(in.data() + r, static_cast<int>(std::min(kChunk, in.size() - r)), MPI_BYTE, from, tag,
             MPI_COMM_WORLD, MPI_STATUS_IGNORE);
#else
  in.clear();
#endif
}

bool Communicator::waiting([[maybe_unused]] int from, [[maybe_unused]] int tag) {
  int flag = 0;
#ifdef GS_HAVE_MPI
  MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
#endif
  return flag != 0;
}

void Communicator::abort(int code) {
#ifdef GS_HAVE_MPI
  if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

void append_string(Bytes& out, std::string_view s) {
  append_value<std::uint64_t>(out, s.size());
  append(out, std::span<const char>(s.data(), s.size()));
}

std::string Reader::string() {
  const auto n = value<std::uint64_t>();
  std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
  pos_ += n;
  return s;
}

void Reader::string(std::string& out) {
  const auto n = value<std::uint64_t>();
  out.assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
  pos_ += n;
}

namespace {

// A broadcast from rank 0 whose receivers wait without spinning: the other ranks spend most
// of a run waiting for the next instruction (rank 0 reading the inputs, writing the report),
// and a busy wait would take a core from rank 0 on a shared machine.
void broadcast_instruction([[maybe_unused]] Bytes& message) {
#ifdef GS_HAVE_MPI
  if (!world().distributed()) return;
  std::uint64_t size = message.size();
  MPI_Request request;
  MPI_Ibcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, &request);
  int done = 0;
  MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
  }
  message.resize(size);
  for (std::size_t s = 0; s < message.size(); s += kChunk)
    MPI_Bcast(message.data() + s, static_cast<int>(std::min(kChunk, message.size() - s)), MPI_BYTE,
              0, MPI_COMM_WORLD);
#endif
}

}  // namespace

void send_instruction(Instruction what, const Bytes& payload) {
  Bytes message;
  append_value(message, what);
  message.insert(message.end(), payload.begin(), payload.end());
  broadcast_instruction(message);
}

Instruction receive_instruction(Bytes& payload) {
  Bytes message;
  broadcast_instruction(message);
  if (message.empty()) return Instruction::kStop;
  const auto what = static_cast<Instruction>(message[0]);
  payload.assign(message.begin() + 1, message.end());
  return what;
}

}  // namespace groundswell::dist
