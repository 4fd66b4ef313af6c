#include "tokenizer/vocab_metadata.h"

#include "gguf/gguf.h"

namespace ledge::tokenizer {

const std::vector<std::string>& special_id_keys() {
  static const std::vector<std::string> keys = {
      "tokenizer.ggml.bos_token_id",      "tokenizer.ggml.eos_token_id",     "tokenizer.ggml.eot_token_id",
      "tokenizer.ggml.eom_token_id",      "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.seperator_token_id",
      "tokenizer.ggml.padding_token_id",  "tokenizer.ggml.mask_token_id",    "tokenizer.ggml.fim_pre_token_id",
      "tokenizer.ggml.fim_suf_token_id",  "tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.fim_pad_token_id",
      "tokenizer.ggml.fim_rep_token_id",  "tokenizer.ggml.fim_sep_token_id",
      // deprecated spellings of the FIM ids
      "tokenizer.ggml.prefix_token_id",   "tokenizer.ggml.suffix_token_id",  "tokenizer.ggml.middle_token_id",
  };
  return keys;
}

namespace {

Status read_optional_bool(const gguf::File& file, const char* key, std::optional<bool>& out) {
  if (file.find(key) == nullptr) return Status::Ok();
  auto v = file.get_bool(key);
  if (!v.ok()) return Error{v.message()};
  out = *v;
  return Status::Ok();
}

}  // namespace

Result<VocabMetadata> read_vocab_metadata(const gguf::File& file) {
  VocabMetadata m;
  {
    if (file.find("tokenizer.ggml.model") == nullptr) {
      return Error{"missing key tokenizer.ggml.model: the file has no tokenizer"};
    }
    auto v = file.get_string("tokenizer.ggml.model");
    if (!v.ok()) return Error{v.message()};
    m.model = std::move(*v);
  }
  if (file.find("tokenizer.ggml.pre") != nullptr) {
    auto v = file.get_string("tokenizer.ggml.pre");
    if (!v.ok()) return Error{v.message()};
    m.pre = std::move(*v);
  }
  {
    if (file.find("tokenizer.ggml.tokens") == nullptr) return Error{"missing key tokenizer.ggml.tokens"};
    auto v = file.get_string_array("tokenizer.ggml.tokens");
    if (!v.ok()) return Error{v.message()};
    m.tokens = std::move(*v);
  }
  if (file.find("tokenizer.ggml.scores") != nullptr) {
    auto v = file.get_float_array("tokenizer.ggml.scores");
    if (!v.ok()) return Error{v.message()};
    m.scores = std::move(*v);
  }
  if (file.find("tokenizer.ggml.token_type") != nullptr) {
    auto v = file.get_int_array("tokenizer.ggml.token_type");
    if (!v.ok()) return Error{v.message()};
    m.token_types = std::move(*v);
  }
  if (file.find("tokenizer.ggml.merges") != nullptr) {
    auto v = file.get_string_array("tokenizer.ggml.merges");
    if (!v.ok()) return Error{v.message()};
    m.merges = std::move(*v);
  }
  for (const auto& key : special_id_keys()) {
    if (file.find(key) == nullptr) continue;
    auto v = file.get_int(key);
    if (!v.ok()) return Error{v.message()};
    m.special_ids.emplace_back(key, *v);
  }
  LEDGE_RETURN_IF_ERROR(read_optional_bool(file, "tokenizer.ggml.add_bos_token", m.add_bos));
  LEDGE_RETURN_IF_ERROR(read_optional_bool(file, "tokenizer.ggml.add_eos_token", m.add_eos));
  LEDGE_RETURN_IF_ERROR(read_optional_bool(file, "tokenizer.ggml.add_sep_token", m.add_sep));
  LEDGE_RETURN_IF_ERROR(read_optional_bool(file, "tokenizer.ggml.add_space_prefix", m.add_space_prefix));
  LEDGE_RETURN_IF_ERROR(read_optional_bool(file, "tokenizer.ggml.normalizer.lowercase", m.lowercase));
  LEDGE_RETURN_IF_ERROR(read_optional_bool(file, "tokenizer.ggml.normalizer.strip_accents", m.strip_accents));
  if (file.find("general.name") != nullptr) {
    auto v = file.get_string("general.name");
    if (v.ok()) m.general_name = std::move(*v);
  }
  if (file.find("general.architecture") != nullptr) {
    auto v = file.get_string("general.architecture");
    if (v.ok()) m.architecture = std::move(*v);
  }
  return m;
}

}  // namespace ledge::tokenizer
