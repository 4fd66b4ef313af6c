// An error as the OpenAI API reports it: HTTP status plus
// {"error": {"message", "type", "param", "code"}}. Every 4xx/5xx the server
// sends uses this shape so SDKs raise their typed errors.
#pragma once

#include <string>
#include <variant>

#include <nlohmann/json.hpp>

namespace ledge::server {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // "" -> null
  std::string code;   // "" -> null
};

inline ApiError bad_request(std::string message, std::string param = "", std::string code = "") {
  return ApiError{400, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
}

// A value or the error to send instead.
template <typename T>
using ApiResult = std::variant<T, ApiError>;

inline nlohmann::json error_json(const ApiError& e) {
  nlohmann::json err = {{"message", e.message},
                        {"type", e.type},
                        {"param", e.param.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.param)},
                        {"code", e.code.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.code)}};
  return nlohmann::json{{"error", std::move(err)}};
}

// Serializes without ever throwing: text that came from the model may hold
// invalid UTF-8 only in theory (TextStream never splits characters), but a
// dump() that throws would take the io thread down.
inline std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ledge::server
