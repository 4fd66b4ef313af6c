#include "model/model.h"

#include "model/architecture.h"

namespace ledge::model {

Result<std::unique_ptr<Model>> Model::load(const std::string& path) {
  auto file = gguf::File::open(path);
  if (!file.ok()) return file.status();
  auto m = std::make_unique<Model>();
  m->file_ = std::move(file).value();

  auto arch_name = m->file_.get_string("general.architecture");
  if (!arch_name.ok()) return Error{path + ": " + arch_name.message()};
  const Architecture* arch = find_architecture(*arch_name);
  if (arch == nullptr)
    return Error{path + ": architecture '" + *arch_name + "' is not supported (supported: " +
                 supported_architectures() + ")"};
  m->arch_ = arch;

  auto hp = read_hparams(m->file_, *arch_name, arch->rope_style());
  if (!hp.ok()) return Error{path + ": " + hp.message()};
  m->hp_ = *hp;
  // The vocabulary size is the row count of the embedding matrix.
  const gguf::TensorInfo* emb = m->file_.find_tensor("token_embd.weight");
  if (emb == nullptr) return Error{path + ": missing tensor 'token_embd.weight'"};
  if (emb->ne[1] == 0 || emb->ne[1] > (1u << 24))
    return Error{path + ": token_embd.weight has an implausible vocabulary size " + std::to_string(emb->ne[1])};
  m->hp_.n_vocab = int32_t(emb->ne[1]);

  if (Status s = arch->bind(m->file_, m->hp_, m->w_); !s.ok()) return Error{path + ": " + s.message()};
  return m;
}

uint64_t Model::weight_bytes() const {
  uint64_t n = 0;
  for (const gguf::TensorInfo& t : file_.tensors()) n += t.n_bytes;
  return n;
}

}  // namespace ledge::model
