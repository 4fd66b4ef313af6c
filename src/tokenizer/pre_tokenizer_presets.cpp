#include "tokenizer/pre_tokenizer_presets.h"

#include <string>

namespace ledge::tokenizer {

namespace {

// Regexes as llama.cpp runs them (its `unicode_regex_split` semantics):
// \s is the Unicode White_Space property, \p{L}/\p{N}/\p{P}/\p{M}/\p{S} are
// general categories, and case-insensitive groups were rewritten into
// explicit [xX] classes. Digits in lookaheads are written [0-9] because
// llama.cpp's std::regex \d only matches ASCII digits.
constexpr std::string_view kGpt2 =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
constexpr std::string_view kContractions =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const std::string kLlama3 = std::string(kContractions) +
    "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const std::string kQwen2 = std::string(kContractions) +
    "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const std::string kQwen35 = std::string(kContractions) +
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const std::string kSeedCoder = std::string(kContractions) +
    "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view kBailingMoe =
    "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
// Upper-then-lower letter runs, written with lookaheads because the category
// unions of the original ([\p{Lu}\p{Lt}...]) were rewritten that way upstream.
const std::string kTekken =
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|"
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|"
    "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const std::string kGpt4o =
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + std::string(kContractions) + "?|"
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + std::string(kContractions) + "?|"
    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const std::string kDeepseekV3Main =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
    " ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view kBloom = " ?[^(\\s|.,!?…。，、।۔،)]+";
constexpr std::string_view kCjkDeepseek = "[一-龥ࠀ-一가-퟿]+";
// Cased letters (Lu/Ll/Lt) as listed in DeepSeek LLM's tokenizer.json, written as
// escapes: several of its Greek Extended and letterlike code points (U+1F7D,
// U+1FBE, U+212A, ...) would silently turn into other characters under
// Unicode normalisation of this source file.
constexpr std::string_view kDeepseekLlmLetters =
    "\\s?["
    "A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}"
    "\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}"
    "\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}"
    "\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}"
    "\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}"
    "\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
    "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}"
    "\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"
    "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}"
    "\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}"
    "\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}"
    "\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}"
    "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}"
    "\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}"
    "\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"
    "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
    "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
    "\\x{1E900}-\\x{1E943}"
    "]+";

struct Entry {
  std::vector<std::string_view> aliases;
  PreTokenizerPreset preset;
};

PreTokenizerPreset preset(std::vector<std::string_view> regexes) {
  PreTokenizerPreset p;
  p.regexes = std::move(regexes);
  return p;
}
PreTokenizerPreset no_clean(PreTokenizerPreset p) {
  p.clean_spaces = false;
  return p;
}

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> t;
    const auto llama3 = [] {
      auto p = preset({kLlama3});
      p.ignore_merges = true;
      p.add_bos = true;
      return p;
    };
    t.push_back({{"default"},
                 preset({"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2, "\\p{N}+", "[0-9][0-9][0-9]"})});
    t.push_back({{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                  "jina-v5-nano"},
                 llama3()});
    t.push_back({{"dbrx", "smaug-bpe"}, preset({kLlama3})});
    t.push_back({{"deepseek-llm"},
                 no_clean(preset({"[\r\n]", kDeepseekLlmLetters, "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$",
                                  kCjkDeepseek, "\\p{N}+"}))});
    t.push_back({{"deepseek-coder"},
                 no_clean(preset({"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", kCjkDeepseek, "\\p{N}"}))});
    t.push_back({{"deepseek-v3", "hunyuan-dense", "joyai-llm"},
                 no_clean(preset({"\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", kDeepseekV3Main}))});
    t.push_back({{"falcon"}, preset({"[\\p{P}\\$\\+<=>\\^~\\|`]+", kGpt2, "[0-9][0-9][0-9]"})});
    t.push_back({{"starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"},
                 preset({"\\p{N}", kGpt2})});
    t.push_back({{"command-r", "smollm"}, no_clean(preset({"\\p{N}", kGpt2}))});
    t.push_back({{"gpt-2", "mpt", "olmo", "jais", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es",
                  "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "exaone4"},
                 preset({kGpt2})});
    {
      auto p = preset({kGpt2});
      p.add_sep = true;
      t.push_back({{"jina-v1-en", "jina-v2-code", "roberta-bpe"}, p});
    }
    t.push_back({{"trillion", "granite-docling"}, no_clean(preset({kGpt2}))});
    t.push_back({{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open"},
                 no_clean(preset({kQwen2}))});
    t.push_back({{"stablelm2", "megrez"}, preset({kQwen2})});
    t.push_back({{"qwen35"}, no_clean(preset({kQwen35}))});
    t.push_back({{"bloom", "gpt3-finnish"}, preset({kBloom})});
    t.push_back({{"poro-chat"}, no_clean(preset({kBloom}))});
    t.push_back({{"viking"}, no_clean(preset({kBloom, "\\p{N}"}))});
    {
      auto p = preset({kLlama3});
      p.has_bos = false;
      t.push_back({{"chatglm-bpe", "glm4"}, p});
    }
    {
      auto p = no_clean(preset({kTekken}));
      p.ignore_merges = true;
      p.add_bos = true;
      t.push_back({{"tekken"}, p});
    }
    {
      auto p = no_clean(preset({"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )",
                                "\\p{N}", "[\\p{P}!-/:-@\\[-`{-~]", kGpt2}));
      p.add_bos = true;
      t.push_back({{"chameleon"}, p});
    }
    t.push_back({{"gpt-4o", "llama4", "minimax-m2", "kanana2"}, no_clean(preset({kGpt4o}))});
    t.push_back({{"superbpe"}, no_clean(preset({"\\p{N}+", "(?=([0-9]{3})+(?![0-9]))"}))});
    t.push_back({{"bailingmoe", "bailingmoe2", "llada-moe"}, no_clean(preset({kBailingMoe}))});
    t.push_back({{"seed-coder"}, no_clean(preset({kSeedCoder}))});
    t.push_back({{"grok-2"}, no_clean(preset({kQwen2}))});
    for (auto& e : t) e.preset.name = e.aliases.front();
    return t;
  }();
  return entries;
}

}  // namespace

Result<const PreTokenizerPreset*> find_pre_tokenizer(std::string_view pre) {
  const std::string_view wanted = pre.empty() ? std::string_view("default") : pre;
  for (const auto& e : table()) {
    for (auto alias : e.aliases) {
      if (alias == wanted) return &e.preset;
    }
  }
  std::string known;
  for (auto name : supported_pre_tokenizers()) {
    if (!known.empty()) known += ", ";
    known += name;
  }
  return Error{"tokenizer.ggml.pre: unknown or unsupported pre-tokenizer '" + std::string(pre) + "' (supported: " +
               known + ")"};
}

std::vector<std::string_view> supported_pre_tokenizers() {
  std::vector<std::string_view> names;
  for (const auto& e : table()) names.insert(names.end(), e.aliases.begin(), e.aliases.end());
  return names;
}

}  // namespace ledge::tokenizer
