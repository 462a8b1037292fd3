// coindcx_rest.hpp — CoinDCX Futures REST response bodies -> orders, error texts, cancel acks.
//
//   CoinDcxRestDecoder d;                       // allocates its buffers once (≈ 7 MiB)
//   d.decode_orders(body, sink);                // create, edit and list-orders responses
//   d.decode_error(body, reason);               // a 4xx/5xx body's message
//   d.decode_cancel_ack(body);                  // {"message":"success","status":200,...}
//
// Bodies are views into the HTTP client's receive buffer, which is not padded for simdjson:
// each is copied into the decoder's own padded buffer. Orders follow the stream decoder's
// rules exactly (same field mapping, number forms, status spellings incl. the list response's
// upper-case `CANCELED`; see coindcx_stream.hpp and feed/codec/README.md).
//
// One thread at a time (the order gateway's). No allocation after construction, no exceptions.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "scalper/engine/types.hpp"
#include "scalper/feed/decode_outcome.hpp"

namespace scalper::feed {

class CoinDcxRestDecoder {
 public:
  static constexpr std::size_t kDefaultMaxBodyBytes = std::size_t{1} << 20;

  // Throws std::bad_alloc if memory is short: the only throw.
  explicit CoinDcxRestDecoder(std::size_t max_body_bytes = kDefaultMaxBodyBytes);
  ~CoinDcxRestDecoder();
  CoinDcxRestDecoder(const CoinDcxRestDecoder&) = delete;
  CoinDcxRestDecoder& operator=(const CoinDcxRestDecoder&) = delete;

  // An array of order objects (create-order, edit-order, list-orders responses), each to
  // sink.on_order in order. An empty array is Decoded with 0 items; anything but an array is
  // Malformed (WrongShape).
  DecodeOutcome decode_orders(std::string_view body, OrderSink& sink) noexcept;

  // An error body: `{"code":422,"message":"…","status":"error"}` (CoinDCX, our simulator) or
  // `{"error":"…"}`. True with the text (message preferred over error) cut to ReasonText.
  // False when the body is not a JSON object with such a string: `reason` then holds the
  // body's first bytes (control bytes replaced by '?'), for a person to read.
  bool decode_error(std::string_view body, ReasonText& reason) noexcept;

  // True for the cancel acknowledgement: an object whose `message` is "success"
  // (case-insensitive) and whose `status` and `code`, where present, are 200.
  [[nodiscard]] bool decode_cancel_ack(std::string_view body) noexcept;

  // frames counts bodies given to decode_orders; decode_error and decode_cancel_ack are not
  // counted (their answer is their result).
  [[nodiscard]] const CodecCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const ReasonText& last_malformed_reason() const noexcept { return last_reason_; }
  [[nodiscard]] std::size_t max_body_bytes() const noexcept { return max_body_bytes_; }

 private:
  struct Impl;

  std::unique_ptr<Impl> impl_;
  std::size_t max_body_bytes_;
  CodecCounters counters_;
  ReasonText last_reason_;
};

}  // namespace scalper::feed
