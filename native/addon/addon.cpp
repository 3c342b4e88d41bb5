// Node-API binding over the C API. Deliberately thin: libs/kernels validates arguments and shapes; this layer only
// checks what it needs to never touch memory out of bounds, and runs each kernel either synchronously or as an
// AsyncWorker on the libuv pool (inputs and outputs stay referenced until the worker settles).
#include <napi.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aurola_engine.h"
#include "aurola_kernels.h"

namespace {

struct View {
  void *data = nullptr;
  size_t bytes = 0;
};

View view_of(const Napi::Value &v, const char *name) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), std::string(name) + " must be a typed array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  View out;
  out.data = static_cast<uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  out.bytes = ta.ByteLength();
  return out;
}

int64_t int_arg(const Napi::CallbackInfo &info, size_t i, const char *name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15)
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer");
  return static_cast<int64_t>(v);
}

double num_arg(const Napi::CallbackInfo &info, size_t i, const char *name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

size_t elem_bytes(int64_t dtype) { return dtype == AK_F32 ? 4 : 2; }

void expect_bytes(Napi::Env env, const View &v, int64_t elems, int64_t dtype, const char *name) {
  if (dtype < AK_F32 || dtype > AK_BF16) throw Napi::RangeError::New(env, std::string(name) + ": unsupported dtype");
  if (elems < 0 || v.bytes != static_cast<size_t>(elems) * elem_bytes(dtype))
    throw Napi::RangeError::New(env, std::string(name) + ": buffer length does not match its shape and dtype");
}

// A kernel call prepared on the JS thread: run() may execute on any thread, result() builds the JS value.
class Job {
 public:
  virtual ~Job() = default;
  // Returns an empty string on success, else the error message.
  std::string run() {
    const ak_status st = call();
    if (st == AK_OK) return {};
    std::string msg = ak_last_error();
    return msg.empty() ? "aurola kernel failed with status " + std::to_string(static_cast<int>(st)) : msg;
  }
  virtual Napi::Value result(Napi::Env env) = 0;
  // Keeps a JS value alive until the job is destroyed (async jobs outlive the call that made them) and returns
  // its slot for value(): a napi_value handle itself is only valid in the scope that created it.
  size_t keep(const Napi::Value &v) {
    refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    return refs_.size() - 1;
  }
  Napi::Value value(size_t slot) const { return refs_[slot].Value(); }

 protected:
  virtual ak_status call() = 0;

 private:
  std::vector<Napi::ObjectReference> refs_;
};

class AsyncJob : public Napi::AsyncWorker {
 public:
  AsyncJob(Napi::Env env, std::unique_ptr<Job> job)
      : Napi::AsyncWorker(env, "aurola:kernel"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    const std::string err = job_->run();
    if (!err.empty()) SetError(err);
  }
  void OnOK() override { deferred_.Resolve(job_->result(Env())); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

 private:
  std::unique_ptr<Job> job_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value run_sync(Napi::Env env, std::unique_ptr<Job> job) {
  const std::string err = job->run();
  if (!err.empty()) throw Napi::Error::New(env, err);
  return job->result(env);
}

Napi::Value run_async(Napi::Env env, std::unique_ptr<Job> job) {
  auto *worker = new AsyncJob(env, std::move(job));  // owned by the libuv queue; deletes itself when done
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

ak_device device_arg(const Napi::CallbackInfo &info, size_t i) {
  const int64_t d = int_arg(info, i, "device");
  if (d < AK_DEVICE_AUTO || d > AK_DEVICE_CUDA) throw Napi::RangeError::New(info.Env(), "unknown device");
  return static_cast<ak_device>(d);
}

// The arguments similarity and search share: (device, q, qDtype, c, cDtype, qRows, nRows, d).
struct QueryCorpus {
  ak_device device;
  View q, c;
  int64_t q_dtype, c_dtype, rows, n, d;

  QueryCorpus(const Napi::CallbackInfo &info, const char *fn) {
    Napi::Env env = info.Env();
    device = device_arg(info, 0);
    q = view_of(info[1], "q");
    q_dtype = int_arg(info, 2, "qDtype");
    c = view_of(info[3], "c");
    c_dtype = int_arg(info, 4, "cDtype");
    rows = int_arg(info, 5, "qRows");
    n = int_arg(info, 6, "nRows");
    d = int_arg(info, 7, "d");
    if (rows <= 0 || n <= 0 || d <= 0) throw Napi::RangeError::New(env, std::string(fn) + ": dimensions must be positive");
    expect_bytes(env, q, rows * d, q_dtype, "q");
    expect_bytes(env, c, n * d, c_dtype, "c");
  }
};

// similarity(device, q, qDtype, c, cDtype, qRows, nRows, d)
class SimilarityJob : public Job {
 public:
  explicit SimilarityJob(const Napi::CallbackInfo &info) : a_(info, "similarity") {
    Napi::Env env = info.Env();
    Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(a_.rows * a_.n));
    out_data_ = out.Data();
    keep(info[1]), keep(info[3]);
    out_slot_ = keep(out);
  }
  Napi::Value result(Napi::Env) override { return value(out_slot_); }

 protected:
  ak_status call() override {
    return ak_similarity(a_.device, a_.q.data, static_cast<ak_dtype>(a_.q_dtype), a_.c.data,
                         static_cast<ak_dtype>(a_.c_dtype), a_.rows, a_.n, a_.d, out_data_);
  }

 private:
  QueryCorpus a_;
  size_t out_slot_;
  float *out_data_;
};

// searchTopK(device, q, qDtype, c, cDtype, qRows, nRows, d, k, allow | null)
class SearchJob : public Job {
 public:
  explicit SearchJob(const Napi::CallbackInfo &info) : a_(info, "search") {
    Napi::Env env = info.Env();
    k_ = int_arg(info, 8, "k");
    if (k_ <= 0) throw Napi::RangeError::New(env, "search: k must be positive");
    if (!info[9].IsNull() && !info[9].IsUndefined()) {
      allow_ = view_of(info[9], "allow");
      if (allow_.bytes < static_cast<size_t>((a_.n + 7) / 8))
        throw Napi::RangeError::New(env, "search: allow bitmap shorter than the corpus");
      keep(info[9]);
    }
    Napi::Float32Array scores = Napi::Float32Array::New(env, static_cast<size_t>(a_.rows * k_));
    Napi::Int32Array ids = Napi::Int32Array::New(env, static_cast<size_t>(a_.rows * k_));
    scores_data_ = scores.Data();
    ids_data_ = ids.Data();
    keep(info[1]), keep(info[3]);
    scores_slot_ = keep(scores);
    ids_slot_ = keep(ids);
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("scores", value(scores_slot_));
    o.Set("ids", value(ids_slot_));
    o.Set("k", Napi::Number::New(env, static_cast<double>(k_out_)));
    return o;
  }

 protected:
  ak_status call() override {
    return ak_search_topk(a_.device, a_.q.data, static_cast<ak_dtype>(a_.q_dtype), a_.c.data,
                          static_cast<ak_dtype>(a_.c_dtype), a_.rows, a_.n, a_.d, k_, static_cast<const uint8_t *>(allow_.data), scores_data_, ids_data_,
                          &k_out_);
  }

 private:
  QueryCorpus a_;
  View allow_;
  int64_t k_, k_out_ = 0;
  size_t scores_slot_, ids_slot_;
  float *scores_data_;
  int32_t *ids_data_;
};

// hybridNce(device, a, t, dtype, B, d, groups | null, tau, alpha, beta, lambda, direction, detach, wantGrad)
class HybridNceJob : public Job {
 public:
  explicit HybridNceJob(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    device_ = device_arg(info, 0);
    a_ = view_of(info[1], "a");
    t_ = view_of(info[2], "t");
    dtype_ = int_arg(info, 3, "dtype");
    b_ = int_arg(info, 4, "B");
    d_ = int_arg(info, 5, "d");
    if (b_ <= 0 || d_ <= 0) throw Napi::RangeError::New(env, "hybridNce: dimensions must be positive");
    expect_bytes(env, a_, b_ * d_, dtype_, "a");
    expect_bytes(env, t_, b_ * d_, dtype_, "t");
    if (!info[6].IsNull() && !info[6].IsUndefined()) {
      groups_ = view_of(info[6], "groups");
      if (groups_.bytes != static_cast<size_t>(b_) * 4) throw Napi::RangeError::New(env, "hybridNce: groups length != B");
      keep(info[6]);
    }
    params_.tau = static_cast<float>(num_arg(info, 7, "tau"));
    params_.alpha = static_cast<float>(num_arg(info, 8, "alpha"));
    params_.beta = static_cast<float>(num_arg(info, 9, "beta"));
    params_.lambda = static_cast<float>(num_arg(info, 10, "lambda"));
    params_.direction = static_cast<int32_t>(int_arg(info, 11, "direction"));
    params_.detach_weights = info[12].ToBoolean().Value() ? 1 : 0;
    if (info[13].ToBoolean().Value()) {
      Napi::Float32Array da = Napi::Float32Array::New(env, static_cast<size_t>(b_ * d_));
      Napi::Float32Array dt = Napi::Float32Array::New(env, static_cast<size_t>(b_ * d_));
      da_data_ = da.Data();
      dt_data_ = dt.Data();
      da_slot_ = keep(da);
      dt_slot_ = keep(dt);
    }
    keep(info[1]), keep(info[2]);
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", Napi::Number::New(env, loss_));
    o.Set("dA", da_data_ ? value(da_slot_) : env.Null());
    o.Set("dT", dt_data_ ? value(dt_slot_) : env.Null());
    return o;
  }

 protected:
  ak_status call() override {
    return ak_hybrid_nce(device_, a_.data, t_.data, static_cast<ak_dtype>(dtype_), b_, d_,
                         static_cast<const int32_t *>(groups_.data), &params_, &loss_, da_data_, dt_data_);
  }

 private:
  ak_device device_;
  View a_, t_, groups_;
  int64_t dtype_, b_, d_;
  ak_nce_params params_{};
  float loss_ = 0.f;
  size_t da_slot_ = 0, dt_slot_ = 0;
  float *da_data_ = nullptr, *dt_data_ = nullptr;
};

template <typename J>
Napi::Value sync_entry(const Napi::CallbackInfo &info) {
  return run_sync(info.Env(), std::make_unique<J>(info));
}
template <typename J>
Napi::Value async_entry(const Napi::CallbackInfo &info) {
  return run_async(info.Env(), std::make_unique<J>(info));
}

Napi::Value Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("cudaBuilt", Napi::Boolean::New(env, ak_cuda_built() != 0));
  o.Set("cudaDevices", Napi::Number::New(env, ak_cuda_device_count()));
  o.Set("isa", Napi::String::New(env, ak_cpu_isa()));
  o.Set("threads", Napi::Number::New(env, ak_get_num_threads()));
  return o;
}

void SetThreads(const Napi::CallbackInfo &info) { ak_set_num_threads(static_cast<int>(int_arg(info, 0, "n"))); }

Napi::Value ScratchPeakBytes(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ak_scratch_peak_bytes(info[0].ToBoolean().Value())));
}

// convert(src, srcDtype, dstDtype) → Float32Array | Uint16Array
Napi::Value Convert(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const View src = view_of(info[0], "src");
  const int64_t st = int_arg(info, 1, "srcDtype"), dt = int_arg(info, 2, "dstDtype");
  if (st < AK_F32 || st > AK_BF16 || dt < AK_F32 || dt > AK_BF16) throw Napi::RangeError::New(env, "convert: unsupported dtype");
  if (src.bytes % elem_bytes(st)) throw Napi::RangeError::New(env, "convert: buffer length is not whole elements");
  const size_t count = src.bytes / elem_bytes(st);
  Napi::Value out;
  void *dst;
  if (dt == AK_F32) {
    auto a = Napi::Float32Array::New(env, count);
    dst = a.Data(), out = a;
  } else {
    auto a = Napi::Uint16Array::New(env, count);
    dst = a.Data(), out = a;
  }
  if (ak_convert(src.data, static_cast<ak_dtype>(st), dst, static_cast<ak_dtype>(dt), static_cast<int64_t>(count)) != AK_OK)
    throw Napi::Error::New(env, ak_last_error());
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Model: the training engine (aurola_engine.h).
//
//   new Model({vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, rmsNormEps, ropeTheta, maxPositions,
//              audioConvs: [{kernel, stride, channels}], nMels, threads?})
//   model.numParams                         number (read-only)
//   model.tensors()                         [{name, offset, count}] in the flat layout's order
//   model.params(), model.grads()           Float32Array views on the model's own memory (see below)
//   model.audioTokens(frames)               number
//   model.forward(batch)                    Promise<{hidden: Float32Array [batch·hidden], logits: Float32Array
//                                           [batch·numSelect]}>
//   model.backward(dHidden?, dLogits?)      Promise<void>; accumulates into grads()
//   model.zeroGrads(), model.gradNorm(), model.adamwStep({...}), model.activationBytes(), model.close()
//
// Ownership: params() and grads() return Float32Arrays over external ArrayBuffers that point straight at the native
// model's arrays (no copy; the same object on every call). Each such ArrayBuffer holds a reference to the native
// model, so the memory stays valid while any view is reachable, also after close() or after the Model object is
// collected; close() drops the Model's own reference (the memory goes when no view is left). forward/backward run
// on the libuv pool and hold the native model and their input arrays until they settle; while one is pending the
// model is busy: other forward/backward calls reject and zeroGrads/gradNorm/adamwStep/close throw. Writing into
// params()/grads() or into a pending call's inputs while it runs is the caller's mistake (not detected).
// ---------------------------------------------------------------------------------------------------------------

struct ModelHandle {
  ak_model *model = nullptr;
  int64_t num_params = 0;
  int32_t num_tensors = 0, hidden = 0, n_mels = 0;
  ~ModelHandle() { ak_model_destroy(model); }
};
using HandlePtr = std::shared_ptr<ModelHandle>;

// The C API's messages name fields in snake_case; the JS API in camelCase. "read_at[1] = …" → "readAt[1] = …".
std::string camel_fields(std::string m) {
  static const std::pair<const char *, const char *> names[] = {
      {"num_audio_convs", "audioConvs.length"}, {"read_at", "readAt"}, {"audio_seq", "audioSeq"},
      {"audio_at", "audioAt"}, {"audio_frames", "audioFrames"}, {"audio_features", "audioFeatures"},
      {"select_ids", "selectIds"}, {"num_audio", "numAudio"}, {"num_select", "numSelect"},
      {"max_positions", "maxPositions"}, {"weight_decay", "weightDecay"}, {"decay_mask", "decayMask"},
      {"grad_scale", "gradScale"}, {"vocab_size", "vocabSize"}, {"hidden_size", "hiddenSize"},
      {"num_layers", "numLayers"}, {"num_heads", "numHeads"}, {"intermediate_size", "intermediateSize"},
      {"rms_norm_eps", "rmsNormEps"}, {"rope_theta", "ropeTheta"}, {"n_mels", "nMels"}};
  for (const auto &n : names)
    for (size_t at = m.find(n.first); at != std::string::npos; at = m.find(n.first, at + std::strlen(n.second)))
      m.replace(at, std::strlen(n.first), n.second);
  return m;
}

// "forward: ids[3] = …" from the C API → "Model.forward: ids[3] = …" (`c_prefix` replaced by `js_prefix`).
std::string js_message(const std::string &c_msg, const char *c_prefix, const std::string &js_prefix) {
  if (c_msg.empty()) return js_prefix + "failed";
  std::string m = c_msg;
  if (m.rfind(c_prefix, 0) == 0) m.erase(0, std::strlen(c_prefix));
  return js_prefix + camel_fields(m);
}

const char *article(const char *type_name) { return std::strchr("AEIOU", type_name[0]) ? "an " : "a "; }

Napi::Value field(const Napi::Object &o, const char *key) { return o.Get(key); }
bool absent(const Napi::Value &v) { return v.IsUndefined() || v.IsNull(); }

double number_field(const Napi::Object &o, const std::string &where, const char *key, const double *fallback = nullptr) {
  const Napi::Value v = field(o, key);
  if (absent(v) && fallback) return *fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), where + "." + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t integer_field(const Napi::Object &o, const std::string &where, const char *key, int64_t lo, int64_t hi,
                      const int64_t *fallback = nullptr) {
  const Napi::Value v = field(o, key);
  if (absent(v) && fallback) return *fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), where + "." + key + " must be an integer");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throw Napi::RangeError::New(o.Env(), where + "." + key + " must be an integer in [" + std::to_string(lo) + ", " +
                                             std::to_string(hi) + "], got " + v.ToString().Utf8Value());
  return static_cast<int64_t>(d);
}

constexpr int64_t kInt32Max = 2147483647;

// A typed array field of the given type; an empty TypedArray when absent and not required.
Napi::TypedArray typed_field(const Napi::Object &o, const std::string &where, const char *key, napi_typedarray_type type,
                             const char *type_name, bool required) {
  const Napi::Value v = field(o, key);
  if (absent(v)) {
    if (required) throw Napi::TypeError::New(o.Env(), where + "." + key + " is required (" + article(type_name) + type_name + ")");
    return Napi::TypedArray();
  }
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(o.Env(), where + "." + key + " must be " + article(type_name) + type_name);
  return v.As<Napi::TypedArray>();
}

void expect_length(Napi::Env env, const Napi::TypedArray &a, int64_t n, const std::string &name, const std::string &what) {
  if (static_cast<int64_t>(a.ElementLength()) != n)
    throw Napi::RangeError::New(env, name + " has " + std::to_string(a.ElementLength()) + " values; expected " + what +
                                         " = " + std::to_string(n));
}

template <typename T>
T *typed_data(const Napi::TypedArray &a) {
  if (a.IsEmpty() || a.ElementLength() == 0) return nullptr;
  return reinterpret_cast<T *>(static_cast<uint8_t *>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Model",
                       {InstanceAccessor<&ModelWrap::NumParams>("numParams"),
                        InstanceMethod<&ModelWrap::Tensors>("tensors"),
                        InstanceMethod<&ModelWrap::Params>("params"),
                        InstanceMethod<&ModelWrap::Grads>("grads"),
                        InstanceMethod<&ModelWrap::AudioTokens>("audioTokens"),
                        InstanceMethod<&ModelWrap::Forward>("forward"),
                        InstanceMethod<&ModelWrap::Backward>("backward"),
                        InstanceMethod<&ModelWrap::ZeroGrads>("zeroGrads"),
                        InstanceMethod<&ModelWrap::GradNorm>("gradNorm"),
                        InstanceMethod<&ModelWrap::AdamwStep>("adamwStep"),
                        InstanceMethod<&ModelWrap::ActivationBytes>("activationBytes"),
                        InstanceMethod<&ModelWrap::Close>("close")});
  }

  explicit ModelWrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<ModelWrap>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Model: the argument must be a config object");
    const Napi::Object o = info[0].As<Napi::Object>();
    const std::string w = "Model: config";
    ak_model_config c{};
    c.vocab_size = static_cast<int32_t>(integer_field(o, w, "vocabSize", 1, kInt32Max));
    c.hidden_size = static_cast<int32_t>(integer_field(o, w, "hiddenSize", 1, kInt32Max));
    c.num_layers = static_cast<int32_t>(integer_field(o, w, "numLayers", 0, kInt32Max));
    c.num_heads = static_cast<int32_t>(integer_field(o, w, "numHeads", 1, kInt32Max));
    c.intermediate_size = static_cast<int32_t>(integer_field(o, w, "intermediateSize", 1, kInt32Max));
    c.max_positions = static_cast<int32_t>(integer_field(o, w, "maxPositions", 1, kInt32Max));
    c.rms_norm_eps = static_cast<float>(number_field(o, w, "rmsNormEps"));
    c.rope_theta = static_cast<float>(number_field(o, w, "ropeTheta"));
    c.n_mels = static_cast<int32_t>(integer_field(o, w, "nMels", 1, kInt32Max));
    const int64_t no_threads = 0;
    const int threads = static_cast<int>(integer_field(o, w, "threads", 0, 4096, &no_threads));
    const Napi::Value convs = field(o, "audioConvs");
    if (!convs.IsArray()) throw Napi::TypeError::New(env, w + ".audioConvs must be an array of {kernel, stride, channels}");
    const Napi::Array arr = convs.As<Napi::Array>();
    if (arr.Length() > AK_MAX_AUDIO_CONVS)
      throw Napi::RangeError::New(env, w + ".audioConvs has " + std::to_string(arr.Length()) + " layers; at most " +
                                           std::to_string(AK_MAX_AUDIO_CONVS));
    c.num_audio_convs = static_cast<int32_t>(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); i++) {
      const Napi::Value e = arr.Get(i);
      const std::string wi = w + ".audioConvs[" + std::to_string(i) + "]";
      if (!e.IsObject()) throw Napi::TypeError::New(env, wi + " must be an object {kernel, stride, channels}");
      const Napi::Object eo = e.As<Napi::Object>();
      c.conv_kernel[i] = static_cast<int32_t>(integer_field(eo, wi, "kernel", 1, kInt32Max));
      c.conv_stride[i] = static_cast<int32_t>(integer_field(eo, wi, "stride", 1, kInt32Max));
      c.conv_channels[i] = static_cast<int32_t>(integer_field(eo, wi, "channels", 1, kInt32Max));
    }
    auto h = std::make_shared<ModelHandle>();
    if (ak_model_create(&c, threads, &h->model) != AK_OK)
      throw Napi::Error::New(env, js_message(ak_last_error(), "model: ", "Model: config: "));
    h->num_params = ak_model_num_params(h->model);
    h->num_tensors = ak_model_num_tensors(h->model);
    h->hidden = c.hidden_size;
    h->n_mels = c.n_mels;
    handle_ = std::move(h);
  }

 private:
  friend class ModelWorker;
  friend class ForwardWorker;

  // The open handle, or throws (closed / busy when `idle` is required).
  ModelHandle &open(Napi::Env env, const char *fn, bool idle) {
    if (!handle_) throw Napi::Error::New(env, std::string("Model.") + fn + ": the model is closed");
    if (idle && busy_)
      throw Napi::Error::New(env, std::string("Model.") + fn + ": the model is busy (a forward or backward is running)");
    return *handle_;
  }

  Napi::Value NumParams(const Napi::CallbackInfo &info) {
    return Napi::Number::New(info.Env(), static_cast<double>(open(info.Env(), "numParams", false).num_params));
  }

  Napi::Value Tensors(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ModelHandle &h = open(env, "tensors", false);
    Napi::Array out = Napi::Array::New(env, h.num_tensors);
    for (int32_t i = 0; i < h.num_tensors; i++) {
      const char *name = nullptr;
      int64_t offset = 0, count = 0;
      ak_model_tensor(h.model, i, &name, &offset, &count);
      Napi::Object t = Napi::Object::New(env);
      t.Set("name", Napi::String::New(env, name));
      t.Set("offset", Napi::Number::New(env, static_cast<double>(offset)));
      t.Set("count", Napi::Number::New(env, static_cast<double>(count)));
      out.Set(i, t);
    }
    return out;
  }

  Napi::Value View(const Napi::CallbackInfo &info, bool grads) {
    Napi::Env env = info.Env();
    ModelHandle &h = open(env, grads ? "grads" : "params", false);
    Napi::Reference<Napi::Float32Array> &cache = grads ? grads_view_ : params_view_;
    if (!cache.IsEmpty()) return cache.Value();
    float *data = grads ? ak_model_grads(h.model) : ak_model_params(h.model);
    auto *owner = new HandlePtr(handle_);  // released by the ArrayBuffer's finalizer
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
        env, data, static_cast<size_t>(h.num_params) * sizeof(float), [](Napi::Env, void *, HandlePtr *p) { delete p; },
        owner);
    Napi::Float32Array view = Napi::Float32Array::New(env, static_cast<size_t>(h.num_params), buffer, 0);
    cache = Napi::Reference<Napi::Float32Array>::New(view, 1);
    return view;
  }
  Napi::Value Params(const Napi::CallbackInfo &info) { return View(info, false); }
  Napi::Value Grads(const Napi::CallbackInfo &info) { return View(info, true); }

  Napi::Value AudioTokens(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ModelHandle &h = open(env, "audioTokens", false);
    const int64_t frames = int_arg(info, 0, "frames");
    if (frames < 0 || frames > kInt32Max) throw Napi::RangeError::New(env, "Model.audioTokens: frames must be in [0, 2^31)");
    return Napi::Number::New(env, ak_model_audio_tokens(h.model, static_cast<int32_t>(frames)));
  }

  Napi::Value Forward(const Napi::CallbackInfo &info);
  Napi::Value Backward(const Napi::CallbackInfo &info);

  void ZeroGrads(const Napi::CallbackInfo &info) { ak_model_zero_grads(open(info.Env(), "zeroGrads", true).model); }

  Napi::Value GradNorm(const Napi::CallbackInfo &info) {
    return Napi::Number::New(info.Env(), ak_grad_norm(open(info.Env(), "gradNorm", true).model));
  }

  // adamwStep({m, v, step, lr, beta1, beta2, eps, weightDecay, decayMask, gradScale})
  void AdamwStep(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    ModelHandle &h = open(env, "adamwStep", true);
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Model.adamwStep: the argument must be an options object");
    const Napi::Object o = info[0].As<Napi::Object>();
    const std::string w = "Model.adamwStep: options";
    const Napi::TypedArray m = typed_field(o, w, "m", napi_float32_array, "Float32Array", true);
    const Napi::TypedArray v = typed_field(o, w, "v", napi_float32_array, "Float32Array", true);
    expect_length(env, m, h.num_params, w + ".m", "numParams");
    expect_length(env, v, h.num_params, w + ".v", "numParams");
    const int64_t step = integer_field(o, w, "step", 1, static_cast<int64_t>(9.0e15));
    const double lr = number_field(o, w, "lr"), beta1 = number_field(o, w, "beta1"), beta2 = number_field(o, w, "beta2");
    const double eps = number_field(o, w, "eps");
    const double zero = 0, one = 1;
    const double wd = number_field(o, w, "weightDecay", &zero), scale = number_field(o, w, "gradScale", &one);
    const Napi::TypedArray mask = typed_field(o, w, "decayMask", napi_uint8_array, "Uint8Array", false);
    if (!mask.IsEmpty()) expect_length(env, mask, h.num_tensors, w + ".decayMask", "tensors().length");
    const ak_status st = ak_adamw_step(h.model, typed_data<float>(m), typed_data<float>(v), step, static_cast<float>(lr),
                                       static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(eps),
                                       static_cast<float>(wd), mask.IsEmpty() ? nullptr : typed_data<uint8_t>(mask),
                                       static_cast<float>(scale));
    if (st != AK_OK) throw Napi::Error::New(env, js_message(ak_last_error(), "adamw: ", "Model.adamwStep: "));
  }

  Napi::Value ActivationBytes(const Napi::CallbackInfo &info) {
    open(info.Env(), "activationBytes", false);
    return Napi::Number::New(info.Env(), static_cast<double>(activation_bytes_));
  }

  void Close(const Napi::CallbackInfo &info) {
    if (!handle_) return;
    open(info.Env(), "close", true);
    params_view_.Reset();
    grads_view_.Reset();
    handle_.reset();
  }

  HandlePtr handle_;
  bool busy_ = false;
  int32_t last_batch_ = 0, last_select_ = 0;  // of the last successful forward; 0 batch: none
  int64_t activation_bytes_ = 0;
  Napi::Reference<Napi::Float32Array> params_view_, grads_view_;
};

// forward/backward on the libuv pool. Holds the native model, the JS Model object and every input array until it
// settles; marks the model busy meanwhile.
class ModelWorker : public Napi::AsyncWorker {
 public:
  ModelWorker(Napi::Env env, ModelWrap *wrap, const Napi::Object &self, Napi::Promise::Deferred deferred)
      : Napi::AsyncWorker(env, "aurola:model"), wrap_(wrap), handle_(wrap->handle_), deferred_(deferred) {
    self_ = Napi::Persistent(self);
  }
  void keep(const Napi::Value &v) {
    if (!absent(v)) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }
  void start() {
    wrap_->busy_ = true;
    Queue();
  }

 protected:
  virtual ak_status call() = 0;
  virtual Napi::Value result(Napi::Env env) = 0;
  virtual void settled(bool ok) = 0;  // on the JS thread, before the promise settles
  void Execute() override {
    if (call() != AK_OK) SetError(ak_last_error());
  }
  void OnOK() override {
    wrap_->busy_ = false;
    settled(true);
    deferred_.Resolve(result(Env()));
  }
  void OnError(const Napi::Error &e) override {
    wrap_->busy_ = false;
    settled(false);
    deferred_.Reject(Napi::Error::New(Env(), js_message(e.Message(), "", "Model.")).Value());
  }

  ModelWrap *wrap_;
  HandlePtr handle_;
  Napi::ObjectReference self_;
  std::vector<Napi::ObjectReference> refs_;
  Napi::Promise::Deferred deferred_;
};

class ForwardWorker : public ModelWorker {
 public:
  ForwardWorker(Napi::Env env, ModelWrap *wrap, const Napi::Object &self, Napi::Promise::Deferred d, const ak_batch &batch,
                Napi::Float32Array hidden, Napi::Float32Array logits)
      : ModelWorker(env, wrap, self, d), batch_(batch) {
    hidden_ = typed_data<float>(hidden);
    logits_ = typed_data<float>(logits);
    hidden_ref_ = Napi::Persistent(hidden);
    logits_ref_ = Napi::Persistent(logits);
  }

 protected:
  ak_status call() override {
    const ak_status st = ak_model_forward(handle_->model, &batch_, hidden_, logits_);
    bytes_ = ak_model_activation_bytes(handle_->model);
    return st;
  }
  void settled(bool ok) override {
    wrap_->last_batch_ = ok ? batch_.batch : 0;
    wrap_->last_select_ = ok ? batch_.num_select : 0;
    wrap_->activation_bytes_ = bytes_;
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("hidden", hidden_ref_.Value());
    o.Set("logits", logits_ref_.Value());
    return o;
  }

 private:
  ak_batch batch_;
  float *hidden_, *logits_;
  int64_t bytes_ = 0;
  Napi::Reference<Napi::Float32Array> hidden_ref_, logits_ref_;
};

class BackwardWorker : public ModelWorker {
 public:
  BackwardWorker(Napi::Env env, ModelWrap *wrap, const Napi::Object &self, Napi::Promise::Deferred d, const float *dh,
                 const float *dl)
      : ModelWorker(env, wrap, self, d), dh_(dh), dl_(dl) {}

 protected:
  ak_status call() override { return ak_model_backward(handle_->model, dh_, dl_); }
  void settled(bool) override {}
  Napi::Value result(Napi::Env env) override { return env.Undefined(); }

 private:
  const float *dh_, *dl_;
};

// forward(batch): batch = {batch, length, ids: Int32Array, mask: Uint8Array, positions: Int32Array,
// readAt: Int32Array, audioSeq?, audioAt?, audioFrames?: Int32Array, audioFeatures?: Float32Array, numAudio?,
// selectIds?: Int32Array, numSelect?}
Napi::Value ModelWrap::Forward(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  try {
    ModelHandle &h = open(env, "forward", true);
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Model.forward: the argument must be a batch object");
    const Napi::Object o = info[0].As<Napi::Object>();
    const std::string w = "Model.forward: batch";
    ak_batch b{};
    b.batch = static_cast<int32_t>(integer_field(o, w, "batch", 1, kInt32Max));
    b.length = static_cast<int32_t>(integer_field(o, w, "length", 1, kInt32Max));
    const int64_t n = static_cast<int64_t>(b.batch) * b.length;
    const Napi::TypedArray ids = typed_field(o, w, "ids", napi_int32_array, "Int32Array", true);
    const Napi::TypedArray mask = typed_field(o, w, "mask", napi_uint8_array, "Uint8Array", true);
    const Napi::TypedArray pos = typed_field(o, w, "positions", napi_int32_array, "Int32Array", true);
    const Napi::TypedArray read_at = typed_field(o, w, "readAt", napi_int32_array, "Int32Array", true);
    expect_length(env, ids, n, w + ".ids", "batch × length");
    expect_length(env, mask, n, w + ".mask", "batch × length");
    expect_length(env, pos, n, w + ".positions", "batch × length");
    expect_length(env, read_at, b.batch, w + ".readAt", "batch");
    b.ids = typed_data<int32_t>(ids), b.mask = typed_data<uint8_t>(mask), b.positions = typed_data<int32_t>(pos);
    b.read_at = typed_data<int32_t>(read_at);

    const Napi::TypedArray seq = typed_field(o, w, "audioSeq", napi_int32_array, "Int32Array", false);
    const int64_t num_audio_default = seq.IsEmpty() ? 0 : static_cast<int64_t>(seq.ElementLength());
    b.num_audio = static_cast<int32_t>(integer_field(o, w, "numAudio", 0, kInt32Max, &num_audio_default));
    Napi::TypedArray at, frames, features;
    if (b.num_audio > 0) {
      at = typed_field(o, w, "audioAt", napi_int32_array, "Int32Array", true);
      frames = typed_field(o, w, "audioFrames", napi_int32_array, "Int32Array", true);
      features = typed_field(o, w, "audioFeatures", napi_float32_array, "Float32Array", true);
      if (seq.IsEmpty()) throw Napi::TypeError::New(env, w + ".audioSeq is required (an Int32Array) when numAudio > 0");
      expect_length(env, seq, b.num_audio, w + ".audioSeq", "numAudio");
      expect_length(env, at, b.num_audio, w + ".audioAt", "numAudio");
      expect_length(env, frames, b.num_audio, w + ".audioFrames", "numAudio");
      const int32_t *f = typed_data<int32_t>(frames);
      int64_t total = 0;
      for (int32_t a = 0; a < b.num_audio; a++) {
        if (f[a] <= 0)
          throw Napi::RangeError::New(env, w + ".audioFrames[" + std::to_string(a) + "] = " + std::to_string(f[a]) +
                                               " must be positive");
        total += static_cast<int64_t>(f[a]) * h.n_mels;
      }
      expect_length(env, features, total, w + ".audioFeatures", "Σ audioFrames × nMels");
      b.audio_seq = typed_data<int32_t>(seq), b.audio_at = typed_data<int32_t>(at), b.audio_frames = f;
      b.audio_features = typed_data<float>(features);
    }
    const Napi::TypedArray sel = typed_field(o, w, "selectIds", napi_int32_array, "Int32Array", false);
    const int64_t num_select_default = sel.IsEmpty() ? 0 : static_cast<int64_t>(sel.ElementLength());
    b.num_select = static_cast<int32_t>(integer_field(o, w, "numSelect", 0, kInt32Max, &num_select_default));
    if (b.num_select > 0) {
      if (sel.IsEmpty()) throw Napi::TypeError::New(env, w + ".selectIds is required (an Int32Array) when numSelect > 0");
      expect_length(env, sel, b.num_select, w + ".selectIds", "numSelect");
      b.select_ids = typed_data<int32_t>(sel);
    }
    Napi::Float32Array hidden = Napi::Float32Array::New(env, static_cast<size_t>(b.batch) * h.hidden);
    Napi::Float32Array logits = Napi::Float32Array::New(env, static_cast<size_t>(b.batch) * b.num_select);
    auto *worker = new ForwardWorker(env, this, info.This().As<Napi::Object>(), d, b, hidden, logits);
    for (const Napi::TypedArray &a : {ids, mask, pos, read_at, seq, at, frames, features, sel})
      if (!a.IsEmpty()) worker->keep(a);
    worker->start();
  } catch (const Napi::Error &e) {
    d.Reject(e.Value());
  }
  return d.Promise();
}

// backward(dHidden?: Float32Array [batch·hidden] | null, dLogits?: Float32Array [batch·numSelect] | null)
Napi::Value ModelWrap::Backward(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  try {
    ModelHandle &h = open(env, "backward", true);
    if (last_batch_ == 0)
      throw Napi::Error::New(env, "Model.backward: no forward to differentiate (call forward first; a failed forward clears it)");
    auto optional_f32 = [&](size_t i, const char *name, int64_t n, const char *what) -> Napi::TypedArray {
      if (absent(info[i])) return Napi::TypedArray();
      if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        throw Napi::TypeError::New(env, std::string("Model.backward: ") + name + " must be a Float32Array or null");
      const Napi::TypedArray a = info[i].As<Napi::TypedArray>();
      expect_length(env, a, n, std::string("Model.backward: ") + name, what);
      return a;
    };
    const Napi::TypedArray dh = optional_f32(0, "dHidden", static_cast<int64_t>(last_batch_) * h.hidden, "batch × hiddenSize");
    const Napi::TypedArray dl = optional_f32(1, "dLogits", static_cast<int64_t>(last_batch_) * last_select_, "batch × numSelect");
    auto *worker = new BackwardWorker(env, this, info.This().As<Napi::Object>(), d,
                                      dh.IsEmpty() ? nullptr : typed_data<float>(dh),
                                      dl.IsEmpty() ? nullptr : typed_data<float>(dl));
    if (!dh.IsEmpty()) worker->keep(dh);
    if (!dl.IsEmpty()) worker->keep(dl);
    worker->start();
  } catch (const Napi::Error &e) {
    d.Reject(e.Value());
  }
  return d.Promise();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("scratchPeakBytes", Napi::Function::New(env, ScratchPeakBytes));
  exports.Set("convert", Napi::Function::New(env, Convert));
  exports.Set("similarity", Napi::Function::New(env, sync_entry<SimilarityJob>));
  exports.Set("similarityAsync", Napi::Function::New(env, async_entry<SimilarityJob>));
  exports.Set("searchTopK", Napi::Function::New(env, sync_entry<SearchJob>));
  exports.Set("searchTopKAsync", Napi::Function::New(env, async_entry<SearchJob>));
  exports.Set("hybridNce", Napi::Function::New(env, sync_entry<HybridNceJob>));
  exports.Set("hybridNceAsync", Napi::Function::New(env, async_entry<HybridNceJob>));
  exports.Set("Model", ModelWrap::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(aurola_kernels, Init)
