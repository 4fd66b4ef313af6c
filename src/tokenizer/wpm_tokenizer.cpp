#include "tokenizer/wpm_tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "tokenizer/utf8.h"

namespace ledge::tokenizer {

namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581

// The CJK ranges BERT isolates (as in the Hugging Face implementation).
bool is_cjk_ideograph(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_control(int8_t category) {
  return category == U_CONTROL_CHAR || category == U_FORMAT_CHAR || category == U_PRIVATE_USE_CHAR ||
         category == U_SURROGATE;
}

bool is_mark(int8_t category) {
  return category == U_NON_SPACING_MARK || category == U_COMBINING_SPACING_MARK || category == U_ENCLOSING_MARK;
}

bool is_punctuation(int8_t category) {
  return category == U_CONNECTOR_PUNCTUATION || category == U_DASH_PUNCTUATION || category == U_START_PUNCTUATION ||
         category == U_END_PUNCTUATION || category == U_INITIAL_PUNCTUATION || category == U_FINAL_PUNCTUATION ||
         category == U_OTHER_PUNCTUATION;
}

bool is_symbol(int8_t category) {
  return category == U_MATH_SYMBOL || category == U_CURRENCY_SYMBOL || category == U_MODIFIER_SYMBOL ||
         category == U_OTHER_SYMBOL;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> WpmTokenizer::create(Vocab vocab) {
  if (vocab.special().unk == kNoToken) {
    return Error{"WordPiece vocab has no unknown token (tokenizer.ggml.unknown_token_id)"};
  }
  return std::unique_ptr<Tokenizer>(new WpmTokenizer(std::move(vocab)));
}

std::string WpmTokenizer::normal_piece(const TokenData& token) const {
  std::string out;
  out.reserve(token.text.size());
  for (size_t i = 0; i < token.text.size();) {
    if (token.text.compare(i, kWordStart.size(), kWordStart) == 0) {
      out.push_back(' ');
      i += kWordStart.size();
    } else {
      out.push_back(token.text[i++]);
    }
  }
  return out;
}

Result<std::vector<std::string>> WpmTokenizer::split_words(std::string_view raw) const {
  const VocabFlags& flags = vocab_.flags();
  const std::string text = utf8_sanitize(raw);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  if (flags.strip_accents) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) return Error{std::string("WordPiece: ICU NFD unavailable: ") + u_errorName(status)};
    u = nfd->normalize(u, status);
    if (U_FAILURE(status)) return Error{std::string("WordPiece: NFD normalisation failed: ") + u_errorName(status)};
  }

  std::vector<std::string> words(1);
  for (int32_t i = 0; i < u.length();) {
    const UChar32 cp = u.char32At(i);
    i = u.moveIndex32(i, 1);
    if (u_hasBinaryProperty(cp, UCHAR_WHITE_SPACE)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    const int8_t category = u_charType(cp);
    if (cp == 0 || cp == 0xFFFD || is_control(category)) continue;
    if (flags.strip_accents && is_mark(category)) continue;
    const char32_t shown = static_cast<char32_t>(flags.lowercase ? u_tolower(cp) : cp);
    if (is_punctuation(category) || (cp < 0x7F && is_symbol(category)) || is_cjk_ideograph(static_cast<char32_t>(cp))) {
      if (!words.back().empty()) words.emplace_back();
      utf8_append(words.back(), shown);
      words.emplace_back();
    } else {
      utf8_append(words.back(), shown);
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

Status WpmTokenizer::encode_text(std::string_view text, bool, std::vector<int32_t>& out) const {
  auto words = split_words(text);
  if (!words.ok()) return Error{words.message()};
  const size_t max_len = vocab_.max_token_bytes();
  std::string word;
  for (const std::string& w : *words) {
    word.assign(kWordStart);
    word += w;
    const size_t n = word.size();
    const size_t first_token = out.size();
    const std::string_view view = word;
    for (size_t i = 0; i < n;) {
      size_t j = std::min(n, i + max_len + 1);
      int32_t id = kNoToken;
      for (; j > i; --j) {
        id = vocab_.find(view.substr(i, j - i));
        if (id != kNoToken) break;
      }
      if (id == kNoToken) {
        out.resize(first_token);  // the word cannot be covered: it is unknown as a whole
        break;
      }
      out.push_back(id);
      i = j;
    }
    if (out.size() == first_token) out.push_back(vocab_.special().unk);
  }
  return Status::Ok();
}

}  // namespace ledge::tokenizer
