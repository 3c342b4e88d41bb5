// Node-API binding over the C API. Deliberately thin: libs/kernels validates arguments and shapes; this layer only
// checks what it needs to never touch memory out of bounds, and runs each kernel either synchronously or as an
// AsyncWorker on the libuv pool (inputs and outputs stay referenced until the worker settles).
#include <napi.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

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
  return exports;
}

}  // namespace

NODE_API_MODULE(aurola_kernels, Init)
