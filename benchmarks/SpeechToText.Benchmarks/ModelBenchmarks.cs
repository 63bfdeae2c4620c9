using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SpeechToText.Audio;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Features;
using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Benchmarks;

/// <summary>The bundled model and sample recording, found above the benchmark's binaries.</summary>
internal static class Bundled
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SpeechToText.sln")))
                    return dir.FullName;
            throw new DirectoryNotFoundException("SpeechToText.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Model => Directory.GetDirectories(Path.Combine(Root, "models")).Order(StringComparer.Ordinal)
        .First(d => File.Exists(Path.Combine(d, "config.json")));

    /// <summary>The long sample, looped or cut to <paramref name="seconds"/>.</summary>
    public static float[] Audio(double seconds)
    {
        var sample = AudioInput.ReadAll(Path.Combine(Root, "audio", "long.wav"));
        return Enumerable.Range(0, (int)(seconds * AudioInput.SampleRate)).Select(i => sample[i % sample.Length]).ToArray();
    }
}

/// <summary>
/// The model's hot paths on the bundled model, in fp32 and bf16, with 1 and 2 threads: one encoder window,
/// decoder steps with the KV cache (1 and 5 sequences), one step's cross-attention alone, and whole
/// transcriptions of 30 s and 5 min.
/// </summary>
[Config(typeof(ModelConfig))]
[MemoryDiagnoser]
public class ModelBenchmarks
{
    const int Steps = 32;
    WhisperModel _model = null!;
    Text.WhisperTokenizer _tokenizer = null!;
    Tensor _window = null!, _audio = null!, _audio5 = null!, _query = null!;
    CrossAttentionCache _cross = null!, _cross5 = null!;
    float[] _thirtySeconds = [], _fiveMinutes = [];
    long _firstToken;

    [Params(Precision.Fp32, Precision.Bf16)]
    public Precision Precision { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(Threads);
        (_model, _tokenizer) = CheckpointReader.Load(Bundled.Model);
        var dtype = Precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        _model.to(dtype);
        _thirtySeconds = Bundled.Audio(30);
        _fiveMinutes = Bundled.Audio(300);
        int frames = 2 * _model.Dimensions.AudioContext;
        var mel = LogMelSpectrogram.Compute(_thirtySeconds.AsSpan(0, frames * LogMelSpectrogram.HopLength), _model.Dimensions.MelBins);
        using (torch.inference_mode())
        {
            _window = torch.tensor(mel.Window(0, frames, frames), [1, _model.Dimensions.MelBins, frames]).to(dtype);
            _audio = _model.Encoder.Forward(_window);
            _audio5 = _audio.expand(5, -1, -1).contiguous();
            _cross = _model.Decoder.CrossAttention(_audio);
            _cross5 = _model.Decoder.CrossAttention(_audio5);
            int heads = _model.Dimensions.TextHeads, size = _model.Dimensions.TextState / heads;
            _query = torch.randn(1, heads, 1, size).to(dtype);
        }
        _firstToken = _tokenizer.Special.StartOfTranscript;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cross.Dispose();
        _cross5.Dispose();
        _model.Dispose();
    }

    [Benchmark(Description = "encoder, one window")]
    public void Encoder()
    {
        using var inference = torch.inference_mode();
        _model.Encoder.Forward(_window).Dispose();
    }

    [Benchmark(Description = "decoder step, KV cache, batch 1", OperationsPerInvoke = Steps)]
    public void DecoderStep() => Decode(_cross, batch: 1);

    [Benchmark(Description = "decoder step, KV cache, batch 5", OperationsPerInvoke = Steps)]
    public void DecoderStepBatch5() => Decode(_cross5, batch: 5);

    [Benchmark(Description = "cross-attention of one step")]
    public void CrossAttention()
    {
        using var inference = torch.inference_mode();
        var (keys, values) = _cross.Layer(0);
        ModelKernels.Torch.Attend(AttentionKind.Cross, _query, keys, values).Dispose();
    }

    [Benchmark(Description = "transcribe 30 s")]
    [AudioSeconds(30)]
    public int Transcribe30Seconds() => Transcribe(_thirtySeconds);

    [Benchmark(Description = "transcribe 5 min")]
    [AudioSeconds(300)]
    public int Transcribe5Minutes() => Transcribe(_fiveMinutes);

    /// <summary><see cref="Steps"/> greedy steps after &lt;|startoftranscript|&gt;, feeding back the most likely token.</summary>
    void Decode(CrossAttentionCache cross, int batch)
    {
        using var inference = torch.inference_mode();
        using var cache = new DecoderCache(_model.Decoder.Layers);
        var tokens = Enumerable.Repeat(_firstToken, batch).ToArray();
        for (int i = 0; i < Steps; i++)
        {
            using var scope = NewDisposeScope();
            var logits = _model.Decoder.Forward(torch.tensor(tokens, [batch, 1]), cross, cache);
            tokens = logits[.., -1].argmax(-1).data<long>().ToArray();
        }
    }

    int Transcribe(float[] samples) =>
        new Transcriber(_model, _tokenizer).Transcribe(samples, new DecodingOptions { Temperatures = [0.0] }).Count();

    sealed class ModelConfig : ManualConfig
    {
        public ModelConfig()
        {
            // In process: the generated child project would not carry the libtorch package TorchSharp looks for.
            AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(new RealTimeFactorColumn());
        }
    }
}

/// <summary>
/// The fast path's ratios, each measured in one run: 100 decoder steps with the KV cache against
/// recomputing the whole prefix at every step, token 101 alone both ways, and 32 steps with the
/// cross-attention keys/values computed once per window against once per step. Bundled model, fp32,
/// default threads.
/// </summary>
[Config(typeof(RatioConfig))]
[MemoryDiagnoser]
public class FastPathBenchmarks
{
    WhisperModel _model = null!;
    Tensor _audio = null!;
    CrossAttentionCache _stepCross = null!;
    DecoderCache? _prefixCache;
    long[] _prefix = [];
    long _start;

    [GlobalSetup]
    public void Setup()
    {
        (_model, var tokenizer) = CheckpointReader.Load(Bundled.Model);
        _start = tokenizer.Special.StartOfTranscript;
        int frames = 2 * _model.Dimensions.AudioContext;
        var mel = LogMelSpectrogram.Compute(Bundled.Audio(frames / 100.0), _model.Dimensions.MelBins);
        using var inference = torch.inference_mode();
        using var window = torch.tensor(mel.Window(0, frames, frames), [1, _model.Dimensions.MelBins, frames]);
        _audio = _model.Encoder.Forward(window);
        _stepCross = _model.Decoder.CrossAttention(_audio);
        _prefix = [_start, .. Enumerable.Range(0, 100).Select(i => (long)(i % 27))]; // any 101 text tokens
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _prefixCache?.Dispose();
        _stepCross.Dispose();
        _model.Dispose();
    }

    [Benchmark(Baseline = true, Description = "100 tokens, whole prefix recomputed each step")]
    public void Recompute() => Run(100, cached: false, crossOncePerWindow: true);

    [Benchmark(Description = "100 tokens, KV cache")]
    public void Cached() => Run(100, cached: true, crossOncePerWindow: true);

    [Benchmark(Description = "token 101 alone, whole prefix recomputed")]
    public void StepRecomputed()
    {
        using var inference = torch.inference_mode();
        using var fresh = new DecoderCache(_model.Decoder.Layers);
        using var scope = NewDisposeScope();
        _model.Decoder.Forward(torch.tensor(_prefix, [1, _prefix.Length]), _stepCross, fresh).Dispose();
    }

    [Benchmark(Description = "token 101 alone, KV cache of 100")]
    public void StepCached()
    {
        using var inference = torch.inference_mode();
        using var scope = NewDisposeScope();
        _model.Decoder.Forward(torch.tensor(_prefix[^1..], [1, 1]), _stepCross, _prefixCache!).Dispose();
    }

    /// <summary>Before each invocation: a cache holding the first 100 positions of a 101-token prefix.</summary>
    [IterationSetup(Targets = [nameof(StepCached)])]
    public void FillCache()
    {
        using var inference = torch.inference_mode();
        _prefixCache?.Dispose();
        _prefixCache = new DecoderCache(_model.Decoder.Layers);
        using var scope = NewDisposeScope();
        _model.Decoder.Forward(torch.tensor(_prefix[..^1], [1, _prefix.Length - 1]), _stepCross, _prefixCache).Dispose();
    }

    [Benchmark(Description = "32 tokens, cross K/V once per step")]
    public void CrossPerStep() => Run(32, cached: true, crossOncePerWindow: false);

    [Benchmark(Description = "32 tokens, cross K/V once per window")]
    public void CrossPerWindow() => Run(32, cached: true, crossOncePerWindow: true);

    void Run(int steps, bool cached, bool crossOncePerWindow)
    {
        using var inference = torch.inference_mode();
        var cross = crossOncePerWindow ? _model.Decoder.CrossAttention(_audio) : null;
        var cache = new DecoderCache(_model.Decoder.Layers);
        var prefix = new List<long> { _start };
        try
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                using var stepCross = cross == null ? _model.Decoder.CrossAttention(_audio) : null;
                if (!cached)
                {
                    cache.Dispose();
                    cache = new DecoderCache(_model.Decoder.Layers);
                }
                long[] input = cached && i > 0 ? [prefix[^1]] : [.. prefix];
                var logits = _model.Decoder.Forward(torch.tensor(input, [1, input.Length]), stepCross ?? cross!, cache);
                prefix.Add(logits[0, -1].argmax().item<long>());
            }
        }
        finally
        {
            cache.Dispose();
            cross?.Dispose();
        }
    }

    sealed class RatioConfig : ManualConfig
    {
        public RatioConfig() =>
            AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance));
    }
}
