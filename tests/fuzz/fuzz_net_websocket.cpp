// fuzz_net_websocket.cpp — libFuzzer target for the RFC 6455 client codec (scalper_net).
//
// Input: byte 0 picks the decoder limits and how the stream is split into reads; the rest is
// what a server sends. The stream goes through FrameDecoder twice: as one buffer, and in reads
// of varying size into a receive buffer of max_frame_bytes() that is compacted after every
// event, as the connection does. Both must report the same events. On every call: consumed
// never exceeds what was available, NeedMore asks for more than is there but never more than
// max_frame_bytes(), views lie inside the buffer (or, for reassembled messages, inside the
// reassembly buffer), every Text message and close reason is valid UTF-8 by an independent
// decoder, errors carry their close code and stick. The input also checks is_valid_utf8 and an
// encode → unmask → decode round trip.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "../net/utf8_reference.hpp"
#include "scalper/net/websocket.hpp"

namespace {

using scalper::net::DecodeResult;
using scalper::net::FrameDecoder;
using scalper::net::FrameError;
using scalper::net::FrameEvent;
using scalper::net::FrameLimits;
using scalper::net::Opcode;

using scalper::net::testing::reference_utf8;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(std::span<const std::uint8_t> view, std::span<const std::uint8_t> area) {
  if (view.empty()) return true;
  return view.data() >= area.data() && view.data() + view.size() <= area.data() + area.size();
}

struct Event {
  FrameEvent event;
  FrameError error;
  std::uint16_t code;
  std::size_t consumed;
  std::vector<std::uint8_t> payload;
  bool operator==(const Event&) const = default;
};

// Checks one decode() result against the buffer it was given; returns false to stop.
bool check_result(const FrameDecoder& d, const DecodeResult& r,
                  std::span<const std::uint8_t> buffer) {
  const FrameLimits& limits = d.limits();
  check(r.consumed <= buffer.size());
  switch (r.event) {
    case FrameEvent::NeedMore:
      check(r.consumed == 0 && r.payload.empty());
      check(r.need > buffer.size() && r.need <= d.max_frame_bytes());
      return false;
    case FrameEvent::Error:
      check(r.consumed == 0 && r.error != FrameError::None);
      check(r.close_code == scalper::net::close_code_for(r.error));
      return false;
    case FrameEvent::Fragment:
      check(r.consumed >= 2 && r.payload.empty() && d.message_in_progress());
      return true;
    case FrameEvent::Text:
    case FrameEvent::Binary: {
      check(r.consumed >= 2 && !d.message_in_progress());
      check(r.payload.size() <= limits.max_message);
      const bool in_buffer = inside(r.payload, buffer);
      check(in_buffer || inside(r.payload, d.reassembly_storage()));
      if (in_buffer) check(r.payload.size() <= limits.max_frame_payload);
      if (r.event == FrameEvent::Text) check(reference_utf8(r.payload));
      return true;
    }
    case FrameEvent::Ping:
    case FrameEvent::Pong:
      check(r.consumed >= 2 && r.payload.size() <= scalper::net::kMaxControlPayload);
      check(inside(r.payload, buffer));
      return true;
    case FrameEvent::Close:
      check(r.consumed >= 2 && r.payload.size() <= scalper::net::kMaxControlPayload - 2);
      check(inside(r.payload, buffer) && reference_utf8(r.payload));
      check(r.close_code == scalper::net::kCloseNoStatus
                ? r.payload.empty() && r.consumed == 2
                : scalper::net::is_sendable_close_code(r.close_code));
      return true;
  }
  check(false);
  return false;
}

Event record(const DecodeResult& r) {
  return Event{r.event, r.error, r.close_code, r.consumed,
               std::vector<std::uint8_t>(r.payload.begin(), r.payload.end())};
}

// After an error the decoder stays failed: same error, nothing consumed.
void check_sticky(FrameDecoder& d, std::span<const std::uint8_t> buffer, FrameError e) {
  const DecodeResult again = d.decode(buffer);
  check(again.event == FrameEvent::Error && again.error == e && again.consumed == 0);
}

std::vector<Event> decode_whole(FrameLimits limits, std::span<const std::uint8_t> stream) {
  FrameDecoder d(limits);
  std::vector<Event> events;
  std::size_t at = 0;
  for (;;) {
    const std::span<const std::uint8_t> rest = stream.subspan(at);
    const DecodeResult r = d.decode(rest);
    const bool go_on = check_result(d, r, rest);
    if (r.event != FrameEvent::NeedMore) events.push_back(record(r));
    if (r.event == FrameEvent::Error) check_sticky(d, rest, r.error);
    if (!go_on) break;
    at += r.consumed;
  }
  return events;
}

// Read sizes from a small LCG seeded by the selector, bounded by `max_read`.
struct Reads {
  std::uint32_t state;
  std::size_t max_read;
  std::size_t next() noexcept {
    state = state * 1664525u + 1013904223u;
    return 1 + (state >> 8) % max_read;
  }
};

std::vector<Event> decode_chunked(FrameLimits limits, std::span<const std::uint8_t> stream,
                                  Reads reads) {
  FrameDecoder d(limits);
  std::vector<std::uint8_t> rx(d.max_frame_bytes());
  std::vector<Event> events;
  std::size_t filled = 0;
  std::size_t fed = 0;
  while (fed < stream.size()) {
    const std::size_t n = std::min({reads.next(), stream.size() - fed, rx.size() - filled});
    check(n > 0);  // NeedMore never asks for more than the buffer holds
    std::memcpy(rx.data() + filled, stream.data() + fed, n);
    fed += n;
    filled += n;
    for (;;) {
      const std::span<const std::uint8_t> buffer(rx.data(), filled);
      const DecodeResult r = d.decode(buffer);
      const bool go_on = check_result(d, r, buffer);
      if (r.event != FrameEvent::NeedMore) events.push_back(record(r));
      if (r.event == FrameEvent::Error) return events;
      if (!go_on) break;
      std::memmove(rx.data(), rx.data() + r.consumed, filled - r.consumed);
      filled -= r.consumed;
    }
  }
  return events;
}

// Our own frame, as the server would see it after unmasking, decodes to the same payload.
void check_round_trip(std::span<const std::uint8_t> payload, std::uint32_t key) {
  payload = payload.first(std::min<std::size_t>(payload.size(), 70000));
  std::vector<std::uint8_t> frame(scalper::net::client_frame_size(payload.size()));
  const std::size_t n = scalper::net::encode_frame(Opcode::Binary, true, payload, key, frame);
  check(n == frame.size());
  const std::size_t length7 = frame[1] & 0x7F;
  check((frame[1] & 0x80) != 0);
  const std::size_t header = length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
  std::vector<std::uint8_t> server(frame.begin(),
                                   frame.begin() + static_cast<std::ptrdiff_t>(header));
  server[1] = static_cast<std::uint8_t>(length7);
  server.insert(server.end(), frame.begin() + static_cast<std::ptrdiff_t>(header + 4), frame.end());
  scalper::net::apply_mask(std::span(server).subspan(header), key);
  FrameDecoder d(FrameLimits{70000, 70000});
  const DecodeResult r = d.decode(server);
  check(r.event == FrameEvent::Binary && r.consumed == server.size());
  check(std::equal(r.payload.begin(), r.payload.end(), payload.begin(), payload.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  constexpr std::size_t kFrameLimits[] = {8, 125, 300, 70000};
  constexpr std::size_t kMessageLimits[] = {8, 200, 1000, 140000};
  const FrameLimits limits{kFrameLimits[selector & 3], kMessageLimits[(selector >> 2) & 3]};
  const std::size_t max_read = std::size_t{1} << ((selector >> 4) & 0xF);  // 1 .. 32768

  const std::vector<Event> whole = decode_whole(limits, stream);
  const std::vector<Event> chunked = decode_chunked(limits, stream, Reads{selector, max_read});
  check(whole == chunked);

  check(scalper::net::is_valid_utf8(stream) == reference_utf8(stream));
  std::uint32_t key = 0;
  std::memcpy(&key, data, std::min<std::size_t>(size, 4));
  check_round_trip(stream, key);
  return 0;
}
