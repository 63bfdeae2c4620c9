using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Benchmarks;

/// <summary>
/// One decoding step's attention in each backend, at the shapes of Whisper base (8 heads of 64) over a 30 s
/// window (1,500 audio positions) and a text prefix of 100 positions, for 1 and 5 beams: the cross-attention
/// over keys/values already resident where the backend computes, and the cached causal self-attention. The
/// ILGPU backend runs on a CUDA GPU when there is one, else on ILGPU's CPU accelerator (a simulator: its times
/// say nothing about a GPU); TorchSharp runs on CUDA when a CUDA libtorch is built in (-p:TorchBackend=cuda).
/// "Bus bytes" are what crosses between host and accelerator per call; "K/V bytes" what the kernel reads (the
/// self-attention prefix is about 100: each call appends one position to a cache of 100 reset per iteration).
/// </summary>
[Config(typeof(BackendConfig))]
public class AttentionBackendBenchmarks
{
    const int Heads = 8, HeadSize = 64, AudioPositions = 1500, TextPositions = 100;

    [Params(AttentionBackend.Torch, AttentionBackend.Ilgpu)]
    public AttentionBackend Backend { get; set; }

    [Params(1, 5)]
    public int Beams { get; set; }

    ModelKernels _kernels = null!;
    Tensor _query = null!, _audioKeys = null!, _audioValues = null!, _textKeys = null!, _textValues = null!, _newPosition = null!;
    KeyValueCache? _textCache;

    [GlobalSetup]
    public void Setup()
    {
        var device = torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        _kernels = AttentionBackends.Create(Backend, device, logger: null);
        torch.manual_seed(1);
        _query = torch.randn(Beams, Heads, 1, HeadSize, device: device);
        _audioKeys = torch.randn(Beams, Heads, AudioPositions, HeadSize, device: device);
        _audioValues = torch.randn(Beams, Heads, AudioPositions, HeadSize, device: device);
        _textKeys = torch.randn(Beams, Heads, TextPositions, HeadSize, device: device);
        _textValues = torch.randn(Beams, Heads, TextPositions, HeadSize, device: device);
        _newPosition = torch.randn(Beams, Heads, 1, HeadSize, device: device);
        _kernels.Attend(AttentionKind.Cross, _query, _audioKeys, _audioValues).Dispose(); // keys/values go to the accelerator once per window
    }

    /// <summary>Before each iteration of <see cref="Self"/>: a self-attention cache of the text positions (each call appends one).</summary>
    [IterationSetup(Target = nameof(Self))]
    public void FillTextCache()
    {
        _textCache?.Dispose();
        _textCache = new KeyValueCache();
        using var inference = torch.inference_mode();
        var (keys, values) = _textCache.Append(_textKeys, _textValues);
        _kernels.AttendCached(_query, _textCache, keys, values).Dispose(); // as at the decoding step that wrote them
        keys.Dispose();
        values.Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _textCache?.Dispose();
        _kernels.Release(_audioKeys);
        (_kernels as IDisposable)?.Dispose();
    }

    /// <summary>What the model did before attention went through a backend: the ratio shows what the seam costs.</summary>
    [Benchmark(Baseline = true, Description = "cross-attention, SDPA called directly")]
    public void CrossDirect()
    {
        using var inference = torch.inference_mode();
        nn.functional.scaled_dot_product_attention(_query, _audioKeys, _audioValues).Dispose();
    }

    [Benchmark(Description = "cross-attention, one step")]
    public void Cross()
    {
        using var inference = torch.inference_mode();
        _kernels.Attend(AttentionKind.Cross, _query, _audioKeys, _audioValues).Dispose();
    }

    [Benchmark(Description = "cached self-attention, one step")]
    public void Self()
    {
        using var inference = torch.inference_mode();
        var (keys, values) = _textCache!.Append(_newPosition, _newPosition);
        _kernels.AttendCached(_query, _textCache, keys, values).Dispose();
        keys.Dispose();
        values.Dispose();
    }

    /// <summary>
    /// Bytes per call, from the shapes and what each backend moves, with keys/values in fp32 (the ILGPU backend
    /// stores them in fp16 on a GPU: there the new key/value and the K/V read are half these).
    /// </summary>
    internal static (long Bus, long KeysValues) Bytes(AttentionBackend backend, int beams, bool cross)
    {
        long query = (long)beams * Heads * HeadSize * sizeof(float); // the output has the same size
        long keysValues = 2L * beams * Heads * (cross ? AudioPositions : TextPositions) * HeadSize * sizeof(float);
        if (backend != AttentionBackend.Ilgpu)
            return (0, keysValues);
        return (cross ? 2 * query : 4 * query, keysValues); // a self-attention step also uploads its new key and value
    }

    sealed class BackendConfig : ManualConfig
    {
        public BackendConfig()
        {
            AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(8).WithUnrollFactor(1)
                .WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(new BytesColumn("Bus bytes", bus: true), new BytesColumn("K/V bytes", bus: false));
        }
    }

    sealed class BytesColumn(string name, bool bus) : IColumn
    {
        public string Id => name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Size;
        public string Legend => bus ? "Bytes between host and accelerator per call" : "Bytes of keys and values the call reads";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var backend = (AttentionBackend)benchmarkCase.Parameters[nameof(Backend)];
            int beams = (int)benchmarkCase.Parameters[nameof(Beams)];
            string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
            if (method == nameof(CrossDirect))
                backend = AttentionBackend.Torch;
            var (busBytes, keysValues) = Bytes(backend, beams, cross: method != nameof(Self));
            return $"{(bus ? busBytes : keysValues) / 1024.0:N1} KB";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
    }
}
