#!/usr/bin/env python3
"""Reference log-mel features for libs/audio's tests, in numpy alone (no librosa, no torch).

Re-implements what Whisper's log_mel_spectrogram does:
  - mel filterbank: librosa.filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, htk=False, norm='slaney'),
    written out from librosa's formulas (Slaney mel scale, triangles, 2 / bandwidth area normalisation);
  - STFT: torch.stft(n_fft, hop, window=hann_window(n_fft) [periodic], center=True, pad_mode='reflect'),
    done with numpy.pad(mode='reflect') and numpy.fft.rfft;
  - |X|^2, filters @ power, log10(max(., 1e-10)), drop the last frame,
    max(log, max(log) - 8), (x + 4) / 4.
The signal is the one referenceSignal() in signals.ts builds (same formula, same xorshift32 noise).

Run from this directory: python3 make_logmel_reference.py  (writes logmel_reference.json)
"""
import json
import os

import numpy as np

SR = 16000
N_FFT = 400
HOP = 160


def xorshift32_noise(n, seed=0x12345678):
    out = np.empty(n)
    s = seed
    for i in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[i] = s / 2**32 * 2 - 1
    return out


def reference_signal():
    """1.5 s: a 100 Hz → 6 kHz chirp over noise, 0.25 s of digital silence, then a 440 Hz tone over noise."""
    n = int(1.5 * SR)
    t = np.arange(n) / SR
    chirp_t = 1.0
    chirp = 0.4 * np.sin(2 * np.pi * (100 * t + (6000 - 100) / (2 * chirp_t) * t**2))
    tone = 0.1 * np.sin(2 * np.pi * 440 * t)
    x = np.where(t < chirp_t, chirp, tone) + 0.02 * xorshift32_noise(n)
    x[(t >= 1.0) & (t < 1.25)] = 0.0
    return x.astype(np.float32)


def hz_to_mel(f):
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    f = np.asarray(f, dtype=np.float64)
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, f / f_sp)


def mel_to_hz(m):
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """librosa.filters.mel with htk=False, norm='slaney' (computed in float64, returned as float32 like librosa)."""
    fmax = sr / 2 if fmax is None else fmax
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, len(fftfreqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, np.newaxis]
    return weights.astype(np.float32)


def log_mel(x, n_mels, pad_to_frames=None, whisper_normalize=True):
    x = x.astype(np.float64)
    if pad_to_frames is not None:
        x = np.pad(x[: pad_to_frames * HOP], (0, max(0, pad_to_frames * HOP - len(x))))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    padded = np.pad(x, N_FFT // 2, mode="reflect")
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    frames = np.stack([padded[t * HOP : t * HOP + N_FFT] for t in range(n_frames)])
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    power = power[:-1]  # Whisper drops the last frame
    mel = power @ mel_filterbank(SR, N_FFT, n_mels).astype(np.float64).T
    log_spec = np.log10(np.maximum(mel, 1e-10))
    if whisper_normalize:
        log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
        log_spec = (log_spec + 4.0) / 4.0
    return log_spec  # frames × n_mels


def sparse_rows(weights):
    rows = []
    for row in weights:
        nz = np.nonzero(row)[0]
        start = int(nz[0]) if len(nz) else 0
        end = int(nz[-1]) + 1 if len(nz) else 0
        rows.append({"start": start, "values": [float("%.9g" % v) for v in row[start:end]]})
    return rows


def case(name, x, n_mels, frame_ids, pad_to_frames=None, whisper_normalize=True):
    feats = log_mel(x, n_mels, pad_to_frames, whisper_normalize)
    config = {"sampleRate": SR, "nFft": N_FFT, "hopLength": HOP, "nMels": n_mels, "whisperNormalize": whisper_normalize}
    if pad_to_frames is not None:
        config["padToFrames"] = pad_to_frames
    frame_ids = [i if i >= 0 else len(feats) + i for i in frame_ids]
    return {
        "name": name,
        "config": config,
        "frames": len(feats),
        "max": round(float(feats.max()), 6),
        "frameIndices": frame_ids,
        "values": [[round(float(v), 6) for v in feats[i]] for i in frame_ids],
    }


def main():
    x = reference_signal()
    # Edges (reflect padding), the chirp, the silence (clamped), its boundaries and the tone.
    ids = [0, 1, 2, 30, 60, 99, 100, 101, 112, 124, 125, 126, 140, -2, -1]
    out = {
        "about": "Generated by make_logmel_reference.py (numpy only); signal = referenceSignal() in signals.ts",
        "signal": {"sampleRate": SR, "length": len(x), "sum": float(np.sum(x.astype(np.float64)))},
        "filterbanks": {str(n): sparse_rows(mel_filterbank(SR, N_FFT, n)) for n in (80, 128)},
        "cases": [
            case("whisper-80", x, 80, ids),
            case("whisper-128", x, 128, ids),
            case("log10-80", x, 80, [0, 60, 112, -1], whisper_normalize=False),
            case("whisper-128-pad200", x, 128, [0, 1, 60, 148, 149, 150, 151, 175, 198, 199], pad_to_frames=200),
            case("whisper-80-cut100", x, 80, [0, 50, 98, 99], pad_to_frames=100),
        ],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logmel_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
