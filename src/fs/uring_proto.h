// The FUSE-over-io_uring protocol (linux/fuse.h, protocol 7.42, Linux 6.14+), which
// Debian 12's kernel headers (7.38) lack. Sizes are the kernel's ABI, asserted below.
//
// One queue per possible CPU; each queue holds entries, and each entry is two buffers
// the server registers with the kernel:
//
//   ReqHeader  in_out  the request's fuse_in_header; the server writes its
//                      fuse_out_header there
//              op_in   the request's first argument (fuse_read_in, ...), if it has one
//              ent     payload_sz: the bytes of the rest of the request in the payload
//                      (a LOOKUP's name, a WRITE's data), and of the reply's arguments
//   payload    the request's other arguments; then the reply's (a READ's data)
//
// The server sends FUSE_IO_URING_CMD_REGISTER once per entry, as an IORING_OP_URING_CMD
// on the /dev/fuse descriptor (a 128-byte SQE, CmdReq in its command area); the
// command completes when a request is in the entry. The server answers with
// COMMIT_AND_FETCH, which carries the reply back and waits for the next request.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dgen::fs::uring {

inline constexpr uint64_t kInitFlag = 1ull << 41;  // FUSE_OVER_IO_URING, in INIT's flags2

struct EntInOut {  // struct fuse_uring_ent_in_out
    uint64_t flags;
    uint64_t commit_id;  // the request's unique, given back with its reply
    uint32_t payload_sz;
    uint32_t padding;
    uint64_t reserved;
};

inline constexpr size_t kInOutSize = 128;  // FUSE_URING_IN_OUT_HEADER_SZ
inline constexpr size_t kOpInSize = 128;   // FUSE_URING_OP_IN_OUT_SZ

struct ReqHeader {  // struct fuse_uring_req_header
    char in_out[kInOutSize];
    char op_in[kOpInSize];
    EntInOut ent;
};

struct CmdReq {  // struct fuse_uring_cmd_req, in the SQE's command area
    uint64_t flags;
    uint64_t commit_id;
    uint16_t qid;
    uint8_t padding[6];
};

enum Cmd : uint32_t { kRegister = 1, kCommitAndFetch = 2 };  // enum fuse_uring_cmd

static_assert(sizeof(EntInOut) == 32, "fuse_uring_ent_in_out is 32 bytes");
static_assert(sizeof(ReqHeader) == 288, "fuse_uring_req_header is 288 bytes");
static_assert(offsetof(ReqHeader, ent) == 256, "ring_ent_in_out follows the two 128-byte areas");
static_assert(sizeof(CmdReq) == 24, "fuse_uring_cmd_req is 24 bytes");
static_assert(sizeof(CmdReq) <= 80, "the command fits a 128-byte SQE's command area");

}  // namespace dgen::fs::uring
